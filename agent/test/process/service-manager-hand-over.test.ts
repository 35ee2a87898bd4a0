import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readPidFile } from "../../src/process/pid-file.js";
import {
  nextPidFileOf,
  ProcessServiceManager,
  SystemdServiceManager,
} from "../../src/process/service-manager.js";
import { isAlive, killQuietly, Releases, script, waitFor } from "./fixtures.js";

const releases = new Releases();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await releases.cleanup();
});

/** A manager with pid files in a temporary run folder, and two release folders. */
async function setUp() {
  const run = await mkdtemp(join(tmpdir(), "tillroll-run-"));
  const manager = new ProcessServiceManager({
    supervisorOptions: (fn) => ({
      pidFile: join(run, `${fn}.pid`),
      stopGraceMs: 2_000,
      env: { ...process.env, TILLROLL_FUNCTION: fn },
    }),
  });
  cleanups.push(async () => {
    const pids = [manager.pid("pos"), manager.nextPid("pos")];
    await manager.stopNext("pos");
    await manager.stop("pos");
    for (const pid of pids) killQuietly(pid);
    await rm(run, { recursive: true, force: true });
  });
  const old = await releases.create();
  const fresh = await releases.create();
  for (const dir of [old, fresh]) await script(dir, "bin/start", "exec sleep 30");
  return {
    run,
    manager,
    old: { cwd: old, start: "bin/start" },
    fresh: { cwd: fresh, start: "bin/start" },
  };
}

async function pidIn(path: string): Promise<number | undefined> {
  const record = await readPidFile(path);
  return record === null ? undefined : record?.pid;
}

describe("ProcessServiceManager hand-over", () => {
  it("names the next pid file beside the current one", () => {
    expect(nextPidFileOf("/state/run/pos.pid")).toBe("/state/run/pos.next.pid");
    expect(nextPidFileOf("/state/run/pos")).toBe("/state/run/pos.next");
  });

  it("starts a next instance beside the current one and promotes it", async () => {
    const { run, manager, old, fresh } = await setUp();
    await manager.start("pos", old);
    const oldPid = manager.pid("pos") ?? 0;
    expect(manager.nextPid("pos")).toBeUndefined();

    await manager.startNext("pos", fresh);
    const newPid = manager.nextPid("pos") ?? 0;
    expect(newPid).toBeGreaterThan(0);
    expect(newPid).not.toBe(oldPid);
    expect(isAlive(oldPid) && isAlive(newPid)).toBe(true);
    expect(await pidIn(join(run, "pos.pid"))).toBe(oldPid);
    expect(await pidIn(join(run, "pos.next.pid"))).toBe(newPid);

    await manager.promoteNext("pos");
    expect(isAlive(oldPid)).toBe(false);
    expect(isAlive(newPid)).toBe(true);
    expect(manager.pid("pos")).toBe(newPid);
    expect(manager.nextPid("pos")).toBeUndefined();
    expect(manager.isRunning("pos")).toBe(true);
    expect(await pidIn(join(run, "pos.pid"))).toBe(newPid);
    await expect(readFile(join(run, "pos.next.pid"))).rejects.toThrow(/ENOENT/);

    // The promoted instance is the current one in every respect: stop ends it.
    await manager.stop("pos");
    expect(isAlive(newPid)).toBe(false);
    await expect(readFile(join(run, "pos.pid"))).rejects.toThrow(/ENOENT/);
  });

  it("stops the next instance and leaves the current one alone", async () => {
    const { run, manager, old, fresh } = await setUp();
    await manager.start("pos", old);
    const oldPid = manager.pid("pos") ?? 0;
    await manager.startNext("pos", fresh);
    const newPid = manager.nextPid("pos") ?? 0;

    await manager.stopNext("pos");
    expect(isAlive(newPid)).toBe(false);
    expect(isAlive(oldPid)).toBe(true);
    expect(manager.pid("pos")).toBe(oldPid);
    expect(manager.nextPid("pos")).toBeUndefined();
    expect(await pidIn(join(run, "pos.pid"))).toBe(oldPid);
    await expect(readFile(join(run, "pos.next.pid"))).rejects.toThrow(/ENOENT/);
    await manager.stopNext("pos");
  });

  it("promotes a next instance when no current one runs", async () => {
    const { manager, fresh } = await setUp();
    await manager.startNext("pos", fresh);
    const newPid = manager.nextPid("pos");
    await manager.promoteNext("pos");
    expect(manager.pid("pos")).toBe(newPid);
  });

  it("refuses to promote nothing or a next instance that is not running", async () => {
    const { manager, old } = await setUp();
    await manager.start("pos", old);
    const oldPid = manager.pid("pos") ?? 0;
    await expect(manager.promoteNext("pos")).rejects.toThrow("pos: no next instance to promote");

    const crashing = await releases.create();
    await script(crashing, "bin/start", "exit 3");
    await manager.startNext("pos", { cwd: crashing, start: "bin/start" });
    await waitFor(() => !manager.isRunning("pos") || manager.nextPid("pos") === undefined, 3_000);
    await expect(manager.promoteNext("pos")).rejects.toThrow(
      /pos: next instance is \w+, not running/,
    );
    // The old one was never touched.
    expect(manager.pid("pos")).toBe(oldPid);
    expect(isAlive(oldPid)).toBe(true);
  });

  it("rejects a next instance that cannot start, or one of another release while one runs", async () => {
    const { manager, old, fresh } = await setUp();
    await expect(
      manager.startNext("pos", { cwd: fresh.cwd, start: "bin/missing" }),
    ).rejects.toThrow("pos (next instance): could not start: ENOENT");
    expect(manager.nextPid("pos")).toBeUndefined();

    await manager.startNext("pos", fresh);
    const newPid = manager.nextPid("pos");
    await manager.startNext("pos", fresh);
    await expect(manager.startNext("pos", old)).rejects.toThrow(
      /pos \(next instance\) is already running/,
    );
    expect(manager.nextPid("pos")).toBe(newPid);
  });
});

describe("SystemdServiceManager hand-over", () => {
  it("is not supported and says so", async () => {
    const manager = new SystemdServiceManager({
      runner: async () => ({ exitCode: 0, stdout: "", stderr: "" }),
    });
    expect(manager.supportsHandOver).toBe(false);
    await expect(manager.startNext("pos", { cwd: "/r", start: "bin/start" })).rejects.toThrow(
      "pos: hand-over is not supported under systemd (one unit runs one instance); use stop-start",
    );
    await expect(manager.promoteNext("pos")).rejects.toThrow(/not supported under systemd/);
    await manager.stopNext("pos");
    expect(manager.nextPid("pos")).toBeUndefined();
  });
});

describe("per-release environment", () => {
  it("gives each instance its release's variables over the supervisor's", async () => {
    const { manager } = await setUp();
    const dir = await releases.create();
    await script(dir, "bin/start", 'echo "$TILLROLL_FUNCTION $GREETING" > out.$$\nexec sleep 30');
    await manager.start("pos", { cwd: dir, start: "bin/start", env: { GREETING: "old" } });
    await manager.startNext("pos", { cwd: dir, start: "bin/start", env: { GREETING: "new" } });
    const read = (pid: number | undefined) =>
      readFile(join(dir, `out.${pid}`), "utf8").catch(() => "");
    await waitFor(async () => (await read(manager.nextPid("pos"))) !== "", 3_000, "output");
    await waitFor(async () => (await read(manager.pid("pos"))) !== "", 3_000, "output");
    expect(await read(manager.pid("pos"))).toBe("pos old\n");
    expect(await read(manager.nextPid("pos"))).toBe("pos new\n");
  });
});

describe("the same release again", () => {
  it("keeps the running copy and uses the new environment from its next restart", async () => {
    const { manager } = await setUp();
    const dir = await releases.create();
    await script(dir, "bin/start", 'echo "$GREETING" > out.$$\nsleep 30');
    await manager.start("pos", { cwd: dir, start: "bin/start" });
    const first = manager.pid("pos") ?? 0;
    await manager.start("pos", { cwd: dir, start: "bin/start", env: { GREETING: "hi" } });
    expect(manager.pid("pos")).toBe(first);
    killQuietly(first);
    await waitFor(() => (manager.pid("pos") ?? first) !== first, 5_000, "restart");
    const read = () => readFile(join(dir, `out.${manager.pid("pos")}`), "utf8").catch(() => "");
    await waitFor(async () => (await read()) !== "", 3_000, "output");
    expect(await read()).toBe("hi\n");
  });
});
