import { access } from "node:fs/promises";
import type { ReadinessProbeConfig, SessionDocument, SessionRelease } from "@tillroll/protocol";
import { localClockTime, type PosPresence, sessionVerdict } from "./pos-session.js";

/**
 * Whether a flow service may be stopped now. Not ready is an outcome with a
 * reason (status Not Ready), never a failure: the agent re-checks every
 * `recheckSeconds` and goes on by itself once the till is free.
 */
export type Readiness = { ready: true } | { ready: false; reason: string };

export interface ProbeRunResult {
  /** Exit code 0. */
  ok: boolean;
  /** Why it failed ("exited with code 1", "timed out after 10000 ms"). */
  reason: string;
  /** First line the command printed, used as the Not Ready reason when present. */
  firstLine: string | null;
}

export interface ReadinessDeps {
  workstation: string;
  /** The POS's latest retained session document, if one arrived. */
  session: () => SessionDocument | null;
  /** The POS's presence from the `pos` topic; null: never seen (counts as live). */
  pos?: () => PosPresence | null;
  /** The operator's release of a stale session (desired `sessionRelease`). */
  sessionRelease?: () => SessionRelease | null | undefined;
  /** The request being checked is forced (`drain.force`): a stale session does not hold it. */
  forced?: boolean;
  /** Shows a time in a reason; default HH:MM in the local zone. */
  formatTime?: (iso: string) => string;
  /** Told when a stale session is passed (released or forced): the agent logs who and why. */
  onStalePassed?: (note: string) => void;
  /** Runs a probe command (absolute path, no shell). */
  runProbe: (command: string, timeoutMs: number) => Promise<ProbeRunResult>;
  /** Whether `path` is flock-held by another process right now. */
  isLockHeld: (path: string) => Promise<boolean>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Words the POS session as the reason a person at the till understands (live or stale). */
export function sessionReadiness(
  session: SessionDocument | null,
  workstation: string,
  more: Omit<ReadinessDeps, "workstation" | "session" | "runProbe" | "isLockHeld"> = {},
): Readiness {
  const verdict = sessionVerdict({
    session,
    pos: more.pos?.() ?? null,
    release: more.sessionRelease?.() ?? null,
    forced: more.forced ?? false,
    workstation,
    formatTime: more.formatTime ?? localClockTime,
  });
  switch (verdict.kind) {
    case "free":
      return { ready: true };
    case "passed":
      more.onStalePassed?.(verdict.note);
      return { ready: true };
    case "busy":
    case "stale":
      return { ready: false, reason: verdict.reason };
  }
}

async function checkProbe(probe: ReadinessProbeConfig, deps: ReadinessDeps): Promise<Readiness> {
  switch (probe.type) {
    case "lockfile": {
      if (!(await exists(probe.path))) return { ready: true };
      if (probe.mode === "flock" && !(await deps.isLockHeld(probe.path))) return { ready: true };
      return {
        ready: false,
        reason: `lock file ${probe.path} is ${probe.mode === "flock" ? "held" : "present"}`,
      };
    }
    case "command": {
      const result = await deps.runProbe(probe.run, probe.timeoutSeconds * 1000);
      if (result.ok) return { ready: true };
      return {
        ready: false,
        reason: result.firstLine ?? `readiness command ${probe.run} ${result.reason}`,
      };
    }
    case "session":
      return sessionReadiness(deps.session(), deps.workstation, deps);
  }
}

/** Runs every probe in order; the first that says no gives the reason. */
export async function checkReadiness(
  probes: readonly ReadinessProbeConfig[],
  deps: ReadinessDeps,
): Promise<Readiness> {
  for (const probe of probes) {
    const result = await checkProbe(probe, deps);
    if (!result.ready) return result;
  }
  return { ready: true };
}
