import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HandoverFiles } from "../../src/self-update/handover-files.js";
import { probeAgent } from "../../src/self-update/probe.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "self-probe-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function bundle(body: string): Promise<string> {
  const file = join(dir, "tillroll-agent.mjs");
  await writeFile(file, body);
  return file;
}

describe("probeAgent: node <bundle> self-test --config FILE", () => {
  it("passes on exit 0 and keeps the last line it printed", async () => {
    const file = await bundle(
      'if (process.argv.slice(2).join(" ") !== "self-test --config /etc/a.json") process.exit(9);\nconsole.log("self-test ok: 0.2.0");',
    );
    expect(
      await probeAgent({ bundle: file, configPath: "/etc/a.json", timeoutMs: 10_000, cwd: dir }),
    ).toEqual({ ok: true, summary: "self-test ok: 0.2.0" });
  });

  it("fails naming the exit code and what the new agent said", async () => {
    const file = await bundle('console.error("config key x unknown"); process.exit(1);');
    expect(
      await probeAgent({ bundle: file, configPath: "/etc/a.json", timeoutMs: 10_000, cwd: dir }),
    ).toEqual({ ok: false, reason: "exited with code 1: config key x unknown" });
  });

  it("fails when the new agent gives no answer in time", async () => {
    const file = await bundle("setInterval(() => {}, 1000);");
    const result = await probeAgent({
      bundle: file,
      configPath: "/etc/a.json",
      timeoutMs: 500,
      cwd: dir,
    });
    expect(result).toEqual({ ok: false, reason: "gave no answer within 1 s" });
  });
});

describe("HandoverFiles: what the agent tells the launcher", () => {
  it("marks an update pending (resetting the launcher's count) and clears it", async () => {
    const files = new HandoverFiles(dir);
    await writeFile(join(dir, "launch-failures"), "2\n");
    await writeFile(join(dir, "launcher-rollback"), "0.1.5 3 3\n");
    await files.markPending({ from: "0.1.0", to: "0.2.0" });
    expect(await readFile(join(dir, "pending-confirm"), "utf8")).toBe("0.1.0 0.2.0\n");
    expect(await files.pending()).toEqual({ from: "0.1.0", to: "0.2.0" });
    expect(await files.launcherRollback()).toBeNull();
    await expect(readFile(join(dir, "launch-failures"))).rejects.toThrow();
    await writeFile(join(dir, "launcher-rollback"), "0.2.0 3 3\n");
    expect(await files.launcherRollback()).toEqual({ to: "0.2.0", code: "3", exits: 3 });
    await files.clear();
    expect(await files.pending()).toBeNull();
    expect(await files.launcherRollback()).toBeNull();
  });
});
