import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { TILLROLL_CLI } from "./coordinator-harness.js";

const run = promisify(execFile);

describe("tillroll demo (the README's first command)", () => {
  it("tells the story in under a minute, exits 0 and leaves nothing behind", async () => {
    const before = (await readdir(tmpdir())).filter((name) => name.startsWith("tillroll-demo-"));
    const started = Date.now();
    const { stdout } = await run(process.execPath, [TILLROLL_CLI, "demo"], { timeout: 60_000 });
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
