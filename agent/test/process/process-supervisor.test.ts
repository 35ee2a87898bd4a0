import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { abortableSleep, type Clock } from "../../src/process/clock.js";
import { writePidFile } from "../../src/process/pid-file.js";
import {
  killOrphan,
  ProcessSupervisor,
  type StateChange,
  type SupervisorOptions,
} from "../../src/process/process-supervisor.js";
import { isAlive, killQuietly, Releases, script, waitFor } from "./fixtures.js";

const releases = new Releases();
const supervisors: ProcessSupervisor[] = [];
const strays: number[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stop()));
  for (const pid of strays.splice(0)) killQuietly(pid);
  await releases.cleanup();
});

function supervise(options: SupervisorOptions = {}) {
  const lines: string[] = [];
  const changes: string[] = [];
  const supervisor = new ProcessSupervisor({
    stopGraceMs: 2_000,
    backoff: { initialMs: 20, maxMs: 200 },
    onLine: (line) => lines.push(line),
    onStateChange: (change: StateChange) =>
      changes.push(`${change.from} -> ${change.to} (${change.reason})`),
    ...options,
  });
  supervisors.push(supervisor);
  return { supervisor, lines, changes };
}

async function countLines(path: string): Promise<number> {
  try {
    return (await readFile(path, "utf8")).split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

describe("ProcessSupervisor", () => {
  it("starts the service in its own process group and stops it", async () => {
    const dir = await releases.create();
    await script(dir, "bin/start", "echo started\nexec sleep 30");
    const { supervisor, lines, changes } = supervise();

    const result = await supervisor.start({ cwd: dir, start: "bin/start" });
    const pid = supervisor.pid();
    expect(result).toEqual({ ok: true, reason: `started pid ${pid}` });
    expect(supervisor.isRunning()).toBe(true);
    expect(pid !== undefined && isAlive(pid)).toBe(true);
    await waitFor(() => lines.includes("started"), 3_000, "output");

    await supervisor.stop();
    expect(supervisor.isRunning()).toBe(false);
    expect(supervisor.pid()).toBeUndefined();
    expect(isAlive(pid ?? 0)).toBe(false);
    expect(changes).toEqual([
      "stopped -> starting (start requested)",
      `starting -> running (pid ${pid})`,
      "running -> stopping (stop requested)",
      "stopping -> stopped (stopped (terminated by SIGTERM, killed by signal SIGTERM))",
    ]);
  });

  it("restarts after a crash with growing backoff and never overlaps", async () => {
    const dir = await releases.create();
    // Each run logs its start; a second copy running alongside would leave "overlap".
    await script(
      dir,
      "bin/start",
      [
        "[ -f running ] && echo overlap >> runs",
        "echo run >> runs",
        "touch running",
        "n=$(wc -l < runs)",
        'if [ "$n" -lt 3 ]; then rm running; echo "crash $n" >&2; exit 1; fi',
        "exec sleep 30",
      ].join("\n"),
    );
    const sleeps: number[] = [];
    const clock: Clock = {
      now: () => Date.now(),
      sleep: (ms, signal) => {
        sleeps.push(ms);
        return abortableSleep(ms, signal);
      },
    };
    const { supervisor, lines, changes } = supervise({ clock });
    await supervisor.start({ cwd: dir, start: "bin/start" });

    await waitFor(async () => (await countLines(join(dir, "runs"))) >= 3, 3_000, "third run");
    await waitFor(() => supervisor.isRunning(), 3_000, "running");
    expect(await readFile(join(dir, "runs"), "utf8")).toBe("run\nrun\nrun\n");
    expect(sleeps).toEqual([20, 40]);
    expect(lines).toEqual(["crash 1", "crash 2"]);
    expect(changes.filter((c) => c === "running -> backoff (exited with code 1)")).toHaveLength(2);
    expect(changes.filter((c) => c.startsWith("backoff -> running"))).toHaveLength(2);
  });

  it("stops with SIGTERM, then SIGKILL for a process that ignores it", async () => {
    const dir = await releases.create();
    await script(
      dir,
      "bin/start",
      "trap 'echo got TERM' TERM\necho ready\nwhile :; do sleep 0.05; done",
    );
    const { supervisor, lines, changes } = supervise({ stopGraceMs: 300 });
    await supervisor.start({ cwd: dir, start: "bin/start" });
    await waitFor(() => lines.includes("ready"), 3_000, "trap installed");
    const pid = supervisor.pid() ?? 0;

    const startedAt = Date.now();
    await supervisor.stop();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    expect(isAlive(pid)).toBe(false);
    expect(lines).toContain("got TERM");
    expect(changes.at(-1)).toBe(
      "stopping -> stopped (stopped (killed with SIGKILL after 300 ms grace, killed by signal SIGKILL))",
    );
  });

  it("runs the descriptor's stop command before signalling", async () => {
    const dir = await releases.create();
    await script(
      dir,
      "bin/start",
      "echo ready\nwhile [ ! -f stop-requested ]; do sleep 0.02; done\necho graceful exit",
    );
    await script(dir, "bin/stop", 'echo "stop for $TILLROLL_SERVICE_PID"\ntouch stop-requested');
    const { supervisor, lines, changes } = supervise();
    await supervisor.start({ cwd: dir, start: "bin/start", stop: "bin/stop" });
    await waitFor(() => lines.includes("ready"), 3_000, "ready");
    const pid = supervisor.pid() ?? 0;

    await supervisor.stop();
    expect(isAlive(pid)).toBe(false);
    expect(lines).toContain(`stop for ${pid}`);
    expect(lines).toContain("graceful exit");
    expect(changes.at(-1)).toMatch(
      /^stopping -> stopped \(stopped \(stop command exited with code 0, /,
    );
  });

  it("signals a service that a failed stop command left running", async () => {
    const dir = await releases.create();
    await script(dir, "bin/start", "exec sleep 30");
    await script(dir, "bin/stop", "echo cannot stop >&2\nexit 1");
    const { supervisor, changes } = supervise();
    await supervisor.start({ cwd: dir, start: "bin/start", stop: "bin/stop" });
    const pid = supervisor.pid() ?? 0;
    await supervisor.stop();
    expect(isAlive(pid)).toBe(false);
    expect(changes.at(-1)).toBe(
      "stopping -> stopped (stopped (stop command exited with code 1, terminated by SIGTERM, killed by signal SIGTERM))",
    );
  });

  it("never runs two copies", async () => {
    const dir = await releases.create();
    await script(dir, "bin/start", "echo run >> runs\nexec sleep 30");
    const { supervisor } = supervise();
    const release = { cwd: dir, start: "bin/start" };

    const [first, second] = await Promise.all([
      supervisor.start(release),
      supervisor.start(release),
    ]);
    expect(first.ok).toBe(true);
    expect(second).toEqual({ ok: false, reason: "refused: supervisor is starting" });
    expect(await supervisor.start(release)).toEqual({
      ok: false,
      reason: "refused: supervisor is running",
    });
    await waitFor(async () => (await countLines(join(dir, "runs"))) === 1, 3_000, "first run");

    const stopping = supervisor.stop();
    expect((await supervisor.start(release)).reason).toBe("refused: supervisor is stopping");
    await stopping;
    expect((await supervisor.start(release)).ok).toBe(true);
    await waitFor(async () => (await countLines(join(dir, "runs"))) === 2, 3_000, "second run");
  });

  it("fails a start whose command cannot run, without retrying", async () => {
    const dir = await releases.create();
    const { supervisor, changes } = supervise();
    expect(await supervisor.start({ cwd: dir, start: "bin/missing" })).toEqual({
      ok: false,
      reason: "could not start: ENOENT",
    });
    expect(supervisor.state()).toBe("stopped");
    expect(changes.at(-1)).toBe("starting -> stopped (could not start: ENOENT)");
    expect((await supervisor.start({ cwd: dir, start: "../escape" })).reason).toMatch(/^refused: /);
  });

  it("stops during backoff without starting again", async () => {
    const dir = await releases.create();
    await script(dir, "bin/start", "echo run >> runs\nexit 1");
    const { supervisor } = supervise({ backoff: { initialMs: 10_000 } });
    await supervisor.start({ cwd: dir, start: "bin/start" });
    await waitFor(() => supervisor.state() === "backoff", 3_000, "backoff");
    const startedAt = Date.now();
    await supervisor.stop();
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(supervisor.state()).toBe("stopped");
    expect(await countLines(join(dir, "runs"))).toBe(1);
  });

  it("records the pid in the pid file and removes it on stop", async () => {
    const dir = await releases.create();
    await script(dir, "bin/start", "exec sleep 30");
    const pidFile = join(dir, "service.pid");
    const { supervisor } = supervise({ pidFile });
    await supervisor.start({ cwd: dir, start: "bin/start" });
    const recorded = (await readFile(pidFile, "utf8")).split("\n")[0];
    expect(recorded).toBe(String(supervisor.pid()));
    await supervisor.stop();
    await expect(readFile(pidFile)).rejects.toThrow(/ENOENT/);
  });
});

describe("killOrphan", () => {
  /** A service group left behind by a previous agent: leader plus a child. */
  function orphan(body: string): number {
    const child = spawn("sh", ["-c", body], { detached: true, stdio: "ignore" });
    child.unref();
    const pid = child.pid ?? 0;
    strays.push(pid);
    return pid;
  }

  it("kills the recorded process group and removes the pid file", async () => {
    const dir = await releases.create();
    const pidFile = join(dir, "service.pid");
    const pid = orphan(`trap "" TERM; sleep 30 & echo $! > "${dir}/child.pid"; wait`);
    await waitFor(async () => (await countLines(join(dir, "child.pid"))) === 1, 3_000, "child");
    const child = Number(await readFile(join(dir, "child.pid"), "utf8"));
    await writePidFile(pidFile, pid);

    const result = await killOrphan(pidFile, { graceMs: 200 });
    expect(result).toMatchObject({ found: true, killed: true, pid });
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(child)).toBe(false);
    await expect(readFile(pidFile)).rejects.toThrow(/ENOENT/);
  });

  it("leaves a process alone whose pid was reused", async () => {
    const dir = await releases.create();
    const pidFile = join(dir, "service.pid");
    const pid = orphan("exec sleep 30");
    // Same pid, different start time: a different process than the one recorded.
    await writeFile(pidFile, `${pid}\n1\n`);
    const result = await killOrphan(pidFile, { graceMs: 200 });
    expect(result).toMatchObject({ found: true, killed: false, pid });
    expect(isAlive(pid)).toBe(true);
    await expect(readFile(pidFile)).rejects.toThrow(/ENOENT/);
  });

  it("copes with a missing, stale or corrupt pid file", async () => {
    const dir = await releases.create();
    const pidFile = join(dir, "service.pid");
    expect(await killOrphan(pidFile)).toMatchObject({ found: false, killed: false });

    await writeFile(pidFile, "1\n");
    expect(await killOrphan(pidFile)).toMatchObject({ found: false, killed: false });
    await expect(readFile(pidFile)).rejects.toThrow(/ENOENT/);

    const gone = spawn("true", { detached: true, stdio: "ignore" });
    await new Promise((resolve) => gone.once("exit", resolve));
    await writeFile(pidFile, `${gone.pid}\n`);
    expect(await killOrphan(pidFile)).toMatchObject({ found: true, killed: false });
  });
});
