import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url);

describe("pnpm demo (the README's first command)", () => {
  it("is the README's first command and runs the demo package, not the coordinator", async () => {
    const readme = await readFile(new URL("README.md", root), "utf8");
    expect(readme).toContain("npm install -g pnpm@10.34.9 && pnpm install && pnpm demo ");
    const pkg = JSON.parse(await readFile(new URL("package.json", root), "utf8"));
    expect(pkg.scripts.demo).toBe("node demo/dist/main.js");
  });

  it("tells the story in under a minute, exits 0 and leaves nothing behind", async () => {
    const before = (await readdir(tmpdir())).filter((name) => name.startsWith("tillroll-demo-"));
    const started = Date.now();
    const { stdout } = await run("pnpm", ["demo"], {
      cwd: fileURLToPath(root),
      timeout: 60_000,
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(`demo took ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(60);
    expect(stdout).toMatch(/Not Ready: user alice logged in on till 01/);
    expect(stdout).toMatch(/Rolled Back: health check of 1\.2\.0 failed/);
    expect(stdout).toMatch(/retry: 3 changed to Prepared/);
    expect(stdout).toMatch(/Demo finished/);
    const after = (await readdir(tmpdir())).filter((name) => name.startsWith("tillroll-demo-"));
    expect(after).toEqual(before);
  });
});
