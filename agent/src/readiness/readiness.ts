import { access } from "node:fs/promises";
import type { ReadinessProbeConfig, SessionDocument } from "@tillroll/protocol";

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

/** Words the POS session as the reason a person at the till understands. */
export function sessionReadiness(session: SessionDocument | null, workstation: string): Readiness {
  // No session document means no POS integration on this till: nothing to wait for.
  if (session === null) return { ready: true };
  if (session.users.length > 0) {
    const who =
      session.users.length === 1 ? `user ${session.users[0]}` : `users ${session.users.join(", ")}`;
    return { ready: false, reason: `${who} logged in on till ${workstation}` };
  }
  if (session.transactionInProgress) return { ready: false, reason: "transaction in progress" };
  return { ready: true };
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
      return sessionReadiness(deps.session(), deps.workstation);
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
