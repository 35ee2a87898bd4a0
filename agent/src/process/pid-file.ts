import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { isGroupAlive, isValidPgid, readProcStat, terminateGroup } from "./process-group.js";

/**
 * Pid files let a restarted agent find the service it left running.
 *
 * If the agent crashes or is killed, its supervised service (its own process
 * group, so it survives) keeps running unsupervised; starting the service again
 * would then make two copies fight over ports and files. The supervisor
 * records the group leader's pid, and `killOrphan` is run at agent start.
 *
 * Next to the pid we store the process start time from /proc (when available):
 * after a reboot the same pid may belong to an unrelated process, which must
 * not be killed.
 */

/**
 * Writes `pid` (and its start time, if known, and the release folder it runs
 * from) atomically, so a crash never leaves half a file.
 */
export async function writePidFile(path: string, pid: number, release?: string): Promise<void> {
  const startTime = readProcStat(pid)?.startTime ?? "";
  const temporary = `${path}.${process.pid}.tmp`;
  await mkdir(dirname(path), { recursive: true });
  const lines = release === undefined ? [pid, startTime] : [pid, startTime, release];
  await writeFile(temporary, `${lines.join("\n")}\n`, { mode: 0o644 });
  await rename(temporary, path);
}

export async function removePidFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

export interface PidFileRecord {
  pid: number;
  startTime?: string;
  /** The release folder (working directory) the service was started from. */
  release?: string;
}

/** Reads a pid file; undefined if it is missing, null if it is unusable. */
export async function readPidFile(path: string): Promise<PidFileRecord | null | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const [pidText = "", startTime = "", release = ""] = text.split("\n").map((part) => part.trim());
  const pid = /^\d+$/.test(pidText) ? Number(pidText) : Number.NaN;
  if (!isValidPgid(pid)) return null;
  return {
    pid,
    ...(startTime === "" ? {} : { startTime }),
    ...(release === "" ? {} : { release }),
  };
}

export type Adoptable =
  | { ok: true; pid: number; startTime: string }
  | { ok: false; reason: string };

/**
 * Whether the service recorded in a pid file may be taken over by this agent
 * run instead of being ended: it still runs (same pid, same start time, still
 * leading its own group), and from the release folder that is `current`.
 * A record without start time cannot be told from a reused pid, and one
 * without its release folder from another version: neither is adopted.
 */
export function adoptable(record: PidFileRecord, release: string | null): Adoptable {
  const { pid } = record;
  const stat = readProcStat(pid);
  if (stat === undefined || stat.state === "Z")
    return { ok: false, reason: `pid ${pid} is not running` };
  if (record.startTime === undefined)
    return { ok: false, reason: `pid ${pid} has no recorded start time` };
  if (stat.startTime !== record.startTime || stat.pgrp !== pid)
    return { ok: false, reason: `pid ${pid} now belongs to another process` };
  if (release === null) return { ok: false, reason: `pid ${pid}: no release is current` };
  if (record.release !== release)
    return {
      ok: false,
      reason: `pid ${pid} runs ${record.release ?? "an unrecorded release"}, current is ${release}`,
    };
  return { ok: true, pid, startTime: stat.startTime };
}

export interface OrphanResult {
  /** A usable pid file was there. */
  found: boolean;
  /** Something was still running and has been terminated. */
  killed: boolean;
  pid?: number;
  reason: string;
}

/**
 * Kills the process group recorded in `pidFile` if it is still alive, then
 * removes the file. Safe to call when there is no file.
 */
export async function killOrphan(
  pidFile: string,
  options: { graceMs?: number } = {},
): Promise<OrphanResult> {
  const record = await readPidFile(pidFile);
  if (record === undefined) return { found: false, killed: false, reason: "no pid file" };
  if (record === null) {
    await removePidFile(pidFile);
    return { found: false, killed: false, reason: "unusable pid file removed" };
  }
  const { pid } = record;
  const stat = readProcStat(pid);
  // Our leader was spawned as a session leader, so its group id is its pid; a
  // process with another group id or start time merely reuses the number.
  // (While any member of our old group lives the kernel does not hand out its
  // id again, so a missing leader with a live group is still ours.)
  if (
    stat !== undefined &&
    (stat.pgrp !== pid || (record.startTime ?? stat.startTime) !== stat.startTime)
  ) {
    await removePidFile(pidFile);
    return { found: true, killed: false, pid, reason: `pid ${pid} now belongs to another process` };
  }
  if (!isGroupAlive(pid)) {
    await removePidFile(pidFile);
    return { found: true, killed: false, pid, reason: `process group ${pid} is not running` };
  }
  const outcome = await terminateGroup(pid, options.graceMs ?? 10_000);
  await removePidFile(pidFile);
  return { found: true, killed: true, pid, reason: `process group ${pid} ${outcome}` };
}
