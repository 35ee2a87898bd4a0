import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

/**
 * Helpers for the process groups that commands and services run in.
 *
 * Every child is spawned with `detached: true`, which makes it the leader of a
 * new process group whose id equals its pid. Signalling `-pgid` then reaches
 * the shell wrapper *and* whatever it started, so a hook or service cannot
 * leave processes behind when it is timed out or stopped.
 *
 * These helpers wait in real time on purpose: they deal with real OS processes,
 * so an injected test clock would only make them spin.
 */

const POLL_MS = 25;

/**
 * Only ids of real groups may be signalled: kill(-1) would hit every process
 * the agent may signal and kill(-0) the agent's own group. A corrupt pid file
 * must not be able to cause either.
 */
export function isValidPgid(pgid: number): boolean {
  return Number.isSafeInteger(pgid) && pgid > 1;
}

/** Sends `signal` to every process in the group; false if the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!isValidPgid(pgid)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: nothing left to signal. EPERM: not ours to signal; callers that
    // care about existence use isGroupAlive.
    return false;
  }
}

/**
 * True if any process of the group is still alive.
 *
 * `kill(-pgid, 0)` alone is not enough: zombies count as group members, and
 * when the agent runs under an init that does not reap orphans (containers,
 * minimal images) a killed grandchild stays a zombie forever. On Linux we
 * therefore look for a non-zombie member in /proc.
 */
export function isGroupAlive(pgid: number): boolean {
  if (!isValidPgid(pgid)) return false;
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  const members = groupMembersFromProc(pgid);
  return members === undefined ? true : members.some((m) => m.state !== "Z");
}

/** Fields of /proc/<pid>/stat that we use. */
export interface ProcStat {
  state: string;
  pgrp: number;
  /** Start time in clock ticks since boot; distinguishes a reused pid. */
  startTime: string;
}

/** Reads /proc/<pid>/stat; undefined when /proc is unavailable or the process is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself contain spaces or ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const pgrp = Number(fields[2]);
  const startTime = fields[19];
  if (state === undefined || startTime === undefined || !Number.isInteger(pgrp)) return undefined;
  return { state, pgrp, startTime };
}

function groupMembersFromProc(pgid: number): ProcStat[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const members: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat?.pgrp === pgid) members.push(stat);
  }
  return members;
}

/** Polls until the group is gone or `timeoutMs` passes; true if it is gone. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isGroupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await delay(POLL_MS);
  }
  return true;
}

/** How a group ended up terminated. */
export type TerminateOutcome = "already-gone" | "terminated" | "killed" | "unkillable";

/**
 * SIGTERM to the whole group, then SIGKILL to whatever is left after
 * `graceMs`. Resolves once nothing of the group is alive (or, if even SIGKILL
 * did not help within a few seconds, e.g. a process stuck in uninterruptible
 * I/O, reports "unkillable" instead of hanging the agent).
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<TerminateOutcome> {
  if (!isGroupAlive(pgid)) return "already-gone";
  signalGroup(pgid, "SIGTERM");
  if (await waitGroupGone(pgid, graceMs)) return "terminated";
  signalGroup(pgid, "SIGKILL");
  return (await waitGroupGone(pgid, 5_000)) ? "killed" : "unkillable";
}

/**
 * Resolves once process `pid` (started at `startTime`) has ended, polling
 * /proc every `pollMs`: an adopted service is not the agent's child, so no
 * exit event comes. A zombie counts as ended; so does a pid that now belongs
 * to another process. Resolves early (false) when `signal` aborts.
 */
export async function watchPid(
  pid: number,
  startTime: string,
  pollMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  for (;;) {
    const stat = readProcStat(pid);
    if (stat === undefined || stat.state === "Z" || stat.startTime !== startTime) return true;
    if (signal.aborted) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
