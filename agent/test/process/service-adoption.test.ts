import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readPidFile, writePidFile } from "../../src/process/pid-file.js";
import { ProcessServiceManager } from "../../src/process/service-manager.js";
import { groupLeadersUnder } from "../../src/process/stray-services.js";
import { isAlive, killQuietly, Releases, script, waitFor } from "./fixtures.js";

const releases = new Releases();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await releases.cleanup();
});

/** A state folder and a factory for managers as successive agent runs would build them. */
async function till() {
  const state = await mkdtemp(join(tmpdir(), "tillroll-adopt-"));
  const lines: string[] = [];
  const pids = new Set<number>();
  const managers: ProcessServiceManager[] = [];
  cleanups.push(async () => {
    for (const manager of managers) {
      for (const pid of [manager.pid("pos"), manager.nextPid("pos")]) if (pid) pids.add(pid);
      await manager.stopNext("pos");
      await manager.stop("pos");
    }
    for (const pid of pids) killQuietly(pid);
    await rm(state, { recursive: true, force: true });
  });
  const out = (name: string) => join(state, "logs", "service", name);
  const manager = (maxBytes?: number) => {
    const created = new ProcessServiceManager({
      supervisorOptions: (fn) => ({
        pidFile: join(state, "run", `${fn}.pid`),
        output: { stdout: out(`${fn}.out`), stderr: out(`${fn}.err`), maxBytes },
        stopGraceMs: 2_000,
        backoff: { initialMs: 20, maxMs: 200 },
        adoptedPollMs: 20,
        onLine: (line, stream) => lines.push(`${stream}: ${line}`),
      }),
    });
    managers.push(created);
    return created;
  };
  const track = (pid: number | undefined) => {
    if (pid !== undefined) pids.add(pid);
    return pid ?? 0;
  };
  return { state, lines, manager, out, track, pidFile: join(state, "run", "pos.pid") };
}

async function release(body = 'echo "up $$"\necho "oops" >&2\nexec sleep 30') {
  const cwd = await releases.create();
  await script(cwd, "bin/start", body);
  return { cwd, start: "bin/start" };
}

/** A till whose agent started `pos` (running `body`) and then detached, as the next agent finds it. */
async function detachedService(body?: string) {
  const t = await till();
  const r = await release(body);
  const first = t.manager();
  await first.start("pos", r);
  const pid = t.track(first.pid("pos"));
  await first.detach();
  return { t, r, first, pid };
}

/**
 * A till whose agent detached in the middle of a hand-over: the old instance
 * (`current`) and the next one both running, as the next agent finds them.
 */
async function detachedMidHandOver() {
  const t = await till();
  const old = await release();
  const fresh = await release();
  const first = t.manager();
  await first.start("pos", old);
  await first.startNext("pos", fresh);
  const oldPid = t.track(first.pid("pos"));
  const newPid = t.track(first.nextPid("pos"));
  await first.detach();
  return { t, old, fresh, oldPid, newPid };
}

describe("ProcessServiceManager: services outlive the agent", () => {
  it("sends the service's output to files and passes each line on", async () => {
    const t = await till();
    const manager = t.manager();
    await manager.start("pos", await release());
    const pid = t.track(manager.pid("pos"));
    await waitFor(() => t.lines.length === 2, 3_000, "two lines");
    expect(t.lines.sort()).toEqual(["stderr: oops", `stdout: up ${pid}`]);
    expect(await readFile(t.out("pos.out"), "utf8")).toBe(`up ${pid}\n`);
    expect(await readFile(t.out("pos.err"), "utf8")).toBe("oops\n");
  });

  it("leaves the service running on detach; the next run adopts it, and stop ends it", async () => {
    const { t, r, first, pid } = await detachedService(
      'echo "up $$"\nwhile true; do sleep 0.05; echo tick; done',
    );
    expect(first.isRunning("pos")).toBe(false);
    expect(isAlive(pid)).toBe(true);
    expect((await readPidFile(t.pidFile))?.pid).toBe(pid);
    expect((await readPidFile(t.pidFile))?.release).toBe(r.cwd);

    const second = t.manager();
    expect(await second.adopt("pos", r)).toEqual([
      `pos: adopted service pid ${pid} running ${r.cwd}`,
    ]);
    expect(second.isRunning("pos")).toBe(true);
    expect(second.pid("pos")).toBe(pid);
    // Output written after the adoption is followed.
    const seen = t.lines.length;
    await waitFor(() => t.lines.length > seen + 2, 3_000, "ticks after adoption");
    // Starting the release that runs (crash recovery resuming at `start`) changes nothing.
    await second.start("pos", r);
    expect(second.pid("pos")).toBe(pid);

    await second.stop("pos");
    expect(isAlive(pid)).toBe(false);
    expect(await readPidFile(t.pidFile)).toBeUndefined();
  });

  it("restarts an adopted service that dies", async () => {
    const { t, r, pid } = await detachedService();

    const second = t.manager();
    await second.adopt("pos", r);
    killQuietly(pid);
    await waitFor(() => (second.pid("pos") ?? pid) !== pid, 5_000, "a new copy");
    const fresh = t.track(second.pid("pos"));
    expect(isAlive(fresh)).toBe(true);
    // The supervisor shows the new pid first and then writes its pid file:
    // wait for the file rather than race it.
    await waitFor(
      async () => (await readPidFile(t.pidFile))?.pid === fresh,
      3_000,
      `the pid file to name the new copy ${fresh}`,
    );
  });

  it("ends a leftover of another release instead of adopting it", async () => {
    const { t, r: old, pid } = await detachedService();

    const current = await release();
    const second = t.manager();
    const notes = await second.adopt("pos", current);
    expect(notes).toEqual([
      `pos: ended service process group ${pid} left by an earlier agent run (pid ${pid} runs ${old.cwd}, current is ${current.cwd})`,
    ]);
    expect(isAlive(pid)).toBe(false);
    expect(second.isRunning("pos")).toBe(false);
    expect(await readPidFile(t.pidFile)).toBeUndefined();
    // With no release current at all, a leftover is ended too.
    const third = t.manager();
    await third.start("pos", current);
    const other = t.track(third.pid("pos"));
    await third.detach();
    await t.manager().adopt("pos", null);
    expect(isAlive(other)).toBe(false);
  });

  it("does not adopt a pid file without start time or release (written by an older agent)", async () => {
    const { t, r, pid } = await detachedService();
    await writeFile(t.pidFile, `${pid}\n`);
    const notes = await t.manager().adopt("pos", r);
    expect(notes[0]).toMatch(/ended service process group \d+ .*no recorded start time/);
    expect(isAlive(pid)).toBe(false);
  });

  it("adopts a next instance only when the current one is gone", async () => {
    const { t, old, oldPid, newPid } = await detachedMidHandOver();

    // Both alive, `current` still the old release: the next one is ended.
    const notes = await t.manager().adopt("pos", old);
    expect(notes[0]).toBe(`pos: adopted service pid ${oldPid} running ${old.cwd}`);
    expect(notes[1]).toMatch(
      /ended next instance process group \d+ .*another instance was adopted/,
    );
    expect(isAlive(newPid)).toBe(false);
    expect(isAlive(oldPid)).toBe(true);
  });

  it("adopts the next instance of a hand-over cut off after the old one stopped", async () => {
    const { t, fresh, oldPid, newPid } = await detachedMidHandOver();
    killQuietly(oldPid);
    await waitFor(() => !isAlive(oldPid), 3_000, "old gone");

    const second = t.manager();
    const notes = await second.adopt("pos", fresh);
    expect(notes).toEqual([`pos: adopted next instance pid ${newPid} running ${fresh.cwd}`]);
    expect(second.pid("pos")).toBe(newPid);
    expect((await readPidFile(t.pidFile))?.pid).toBe(newPid);
    await expect(stat(join(t.state, "run", "pos.next.pid"))).rejects.toThrow(/ENOENT/);
  });

  it("moves the promoted instance's output to the current names", async () => {
    const t = await till();
    const first = t.manager();
    await first.start("pos", await release());
    await first.startNext("pos", await release('while true; do echo "new $$"; sleep 0.05; done'));
    const newPid = t.track(first.nextPid("pos"));
    await first.promoteNext("pos");
    const seen = t.lines.length;
    await waitFor(() => t.lines.length > seen + 2, 3_000, "lines after promotion");
    expect(t.lines.at(-1)).toBe(`stdout: new ${newPid}`);
    expect(await readFile(t.out("pos.out"), "utf8")).toMatch(new RegExp(`new ${newPid}\n$`));
    await expect(stat(t.out("pos.next.out"))).rejects.toThrow(/ENOENT/);
  });

  it("bounds the output files by rotating them", async () => {
    const t = await till();
    const manager = t.manager(2_000);
    await manager.start(
      "pos",
      await release(
        "i=0\nwhile [ $i -lt 300 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done\nexec sleep 30",
      ),
    );
    t.track(manager.pid("pos"));
    await waitFor(
      () => t.lines.includes("stdout: line-299-xxxxxxxxxxxxxxxxxxxx"),
      5_000,
      "all lines",
    );
    await waitFor(async () => (await stat(t.out("pos.out"))).size === 0, 3_000, "rotation");
    expect((await stat(t.out("pos.out.1"))).size).toBeGreaterThan(2_000);
  });
});

describe("pid file", () => {
  it("records the release folder as a third line", async () => {
    const dir = await releases.create();
    const path = join(dir, "x.pid");
    await writePidFile(path, process.pid, "/root/pos/releases/1.0.0");
    const record = await readPidFile(path);
    expect(record?.pid).toBe(process.pid);
    expect(record?.release).toBe("/root/pos/releases/1.0.0");
    expect(record?.startTime).toMatch(/^\d+$/);
  });
});

describe("groupLeadersUnder", () => {
  it("finds the group leaders working inside a folder, not their children or others", async () => {
    const dir = await releases.create();
    const r = await release("sleep 30 &\nexec sleep 30");
    const manager = new ProcessServiceManager();
    cleanups.push(() => manager.stop("pos"));
    await manager.start("pos", r);
    const pid = manager.pid("pos") ?? 0;
    await waitFor(async () => (await groupLeadersUnder(r.cwd)).length === 1, 3_000, "leader");
    expect(await groupLeadersUnder(r.cwd)).toEqual([pid]);
    expect(await groupLeadersUnder(dir)).toEqual([]);
  });
});
