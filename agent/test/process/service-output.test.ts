import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileTail, tailHasWork } from "../../src/process/service-output.js";

describe("tailHasWork: does a poll of a followed output file need to open it?", () => {
  const MAX = 100;
  it.each([
    { name: "nothing new (the idle case: one stat, no open)", size: 40, offset: 40, want: false },
    { name: "an empty file, nothing read", size: 0, offset: 0, want: false },
    { name: "new bytes", size: 50, offset: 40, want: true },
    { name: "shorter than what was read: truncated", size: 10, offset: 40, want: true },
    { name: "all read but past the bound: rotate", size: 150, offset: 150, want: true },
    { name: "all read, exactly at the bound", size: MAX, offset: MAX, want: false },
  ])("$name", ({ size, offset, want }) => {
    expect(tailHasWork(size, offset, MAX)).toBe(want);
  });
});

describe("FileTail (real files)", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function until(what: string, check: () => boolean | Promise<boolean>) {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting until ${what}`);
  }

  it("passes on lines written after it started, starts over after a truncation, rotates past the bound", async () => {
    const dir = await mkdtemp(join(tmpdir(), "file-tail-"));
    dirs.push(dir);
    const file = join(dir, "stdout.log");
    await writeFile(file, "before\n");
    const lines: string[] = [];
    const tail = await FileTail.follow(file, "stdout", (line) => lines.push(line), 64);
    try {
      await appendFile(file, "one\ntwo\n");
      await until("two lines", () => lines.length === 2);
      expect(lines).toEqual(["one", "two"]);

      await writeFile(file, "new\n"); // truncated and rewritten, shorter than before
      await until("the line after the truncation", () => lines.length === 3);
      expect(lines[2]).toBe("new");

      await appendFile(file, `${"x".repeat(80)}\n`);
      await until("the file is rotated", async () => (await stat(file)).size === 0);
      expect(await readFile(`${file}.1`, "utf8")).toBe(`new\n${"x".repeat(80)}\n`);
      expect(lines[3]).toBe("x".repeat(80));
    } finally {
      await tail.stop();
    }
  });
});
