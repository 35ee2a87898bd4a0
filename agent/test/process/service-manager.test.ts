import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createServiceManager,
  ProcessServiceManager,
  type SystemctlResult,
  SystemdServiceManager,
} from "../../src/process/service-manager.js";
import { isAlive, Releases, script, waitFor } from "./fixtures.js";

const releases = new Releases();
const managers: Array<{ manager: ProcessServiceManager; fns: string[] }> = [];
afterEach(async () => {
  for (const { manager, fns } of managers.splice(0)) {
    await Promise.all(fns.map((fn) => manager.stop(fn)));
  }
  await releases.cleanup();
});

/** Answers systemctl calls from a table and records them. */
function fakeSystemctl(answers: Record<string, Partial<SystemctlResult>> = {}) {
  const calls: string[] = [];
  const runner = async (args: readonly string[]): Promise<SystemctlResult> => {
    const call = args.join(" ");
    calls.push(call);
    return { exitCode: 0, stdout: "", stderr: "", ...answers[call] };
  };
  return { calls, runner };
}

describe("SystemdServiceManager", () => {
  it("starts, queries and stops the unit through systemctl", async () => {
    const { calls, runner } = fakeSystemctl({ "is-active pos.service": { exitCode: 3 } });
    const manager = new SystemdServiceManager({ runner });
    const release = { cwd: "/releases/pos/1.2.0", start: "bin/start" };

    await manager.start("pos", release);
    expect(manager.isRunning("pos")).toBe(true);
    expect(await manager.isActive("pos")).toBe(false);
    expect(manager.isRunning("pos")).toBe(false);
    await manager.stop("pos");
    expect(calls).toEqual(["start pos.service", "is-active pos.service", "stop pos.service"]);
  });

  it("uses the unit named by the descriptor or the configured rule", async () => {
    const { calls, runner } = fakeSystemctl();
    const manager = new SystemdServiceManager({
      runner,
      unitFor: (fn) => `tillroll-${fn}.service`,
    });
    await manager.start("pos", { cwd: "/r", start: "bin/start", unit: "pos-v2@till.service" });
    await manager.stop("pos");
    await manager.start("scale", { cwd: "/r", start: "bin/start" });
    expect(calls).toEqual([
      "start pos-v2@till.service",
      "stop pos-v2@till.service",
      "start tillroll-scale.service",
    ]);
  });

  it("rejects with systemctl's message when a call fails", async () => {
    const { runner } = fakeSystemctl({
      "start pos.service": { exitCode: 5, stderr: "Unit pos.service not found.\n" },
    });
    const manager = new SystemdServiceManager({ runner });
    await expect(manager.start("pos", { cwd: "/r", start: "bin/start" })).rejects.toThrow(
      "systemctl start pos.service failed: Unit pos.service not found.",
    );
    expect(manager.isRunning("pos")).toBe(false);
  });

  it("refuses unit names that systemctl would read as options", async () => {
    const { calls, runner } = fakeSystemctl();
    const manager = new SystemdServiceManager({ runner });
    await expect(
      manager.start("pos", { cwd: "/r", start: "bin/start", unit: "--no-block" }),
    ).rejects.toThrow(/invalid systemd unit name/);
    expect(calls).toEqual([]);
  });
});

describe("ProcessServiceManager", () => {
  it("supervises one process per function", async () => {
    const dir = await releases.create();
    await script(dir, "bin/start", "echo run >> runs\nexec sleep 30");
    const manager = new ProcessServiceManager();
    managers.push({ manager, fns: ["pos"] });
    const release = { cwd: dir, start: "bin/start" };

    await manager.start("pos", release);
    expect(manager.isRunning("pos")).toBe(true);
    expect(manager.isRunning("scale")).toBe(false);
    const pid = manager.pid("pos") ?? 0;
    // "started" means spawned, not "has run its first line": wait for it, so
    // the stop below cannot race the script's first write.
    await expect
      .poll(() => readFile(join(dir, "runs"), "utf8").catch(() => ""), { timeout: 5000 })
      .toBe("run\n");

    // The same release again is a no-op; another release while running is refused.
    await manager.start("pos", release);
    await expect(manager.start("pos", { cwd: `${dir}-other`, start: "bin/start" })).rejects.toThrow(
      /already running/,
    );
    expect(manager.pid("pos")).toBe(pid);

    await manager.stop("pos");
    expect(manager.isRunning("pos")).toBe(false);
    expect(isAlive(pid)).toBe(false);
    expect(await readFile(join(dir, "runs"), "utf8")).toBe("run\n");
    await manager.stop("pos");
  });

  it("rejects a start that cannot run", async () => {
    const dir = await releases.create();
    const manager = new ProcessServiceManager();
    await expect(manager.start("pos", { cwd: dir, start: "bin/missing" })).rejects.toThrow(
      "pos: could not start: ENOENT",
    );
    expect(manager.isRunning("pos")).toBe(false);
  });

  it("passes per-function supervisor options", async () => {
    const dir = await releases.create();
    await script(dir, "bin/start", "echo hello from $0\nexec sleep 30");
    const lines: string[] = [];
    const manager = new ProcessServiceManager({
      supervisorOptions: (fn) => ({ onLine: (line) => lines.push(`${fn}: ${line}`) }),
    });
    managers.push({ manager, fns: ["pos"] });
    await manager.start("pos", { cwd: dir, start: "bin/start" });
    await waitFor(() => lines.length > 0, 3_000, "output");
    await manager.stop("pos");
    expect(lines).toEqual([`pos: hello from ${join(dir, "bin/start")}`]);
  });
});

describe("createServiceManager", () => {
  it("builds the manager for each executor", () => {
    expect(createServiceManager("process")).toBeInstanceOf(ProcessServiceManager);
    expect(createServiceManager("systemd", { systemd: fakeSystemctl() })).toBeInstanceOf(
      SystemdServiceManager,
    );
  });
});
