import type { DrainPolicy, SessionDocument } from "@tillroll/protocol";
import type { Readiness } from "../readiness/readiness.js";
import type { DrainState } from "../state/agent-state.js";

/**
 * The drain before an update (issue 13), decided afresh from the facts each
 * time the `drain` step runs (a session change, a re-check, a restart). Pure.
 *
 * 1. Maintenance on (the POS admits no new logins), then the handshake: the
 *    POS acknowledges it (session `maintenanceSeq` at or above our seq) or
 *    the grace passes. A till whose POS never published a session has
 *    nobody to wait for.
 * 2. Ready once the handshake is over: go on (the hooks run under maintenance).
 * 3. Busy without a drain policy: a login the POS accepted before it saw
 *    maintenance wins: maintenance off, Not Ready, back to await-ready.
 * 4. Busy with a policy: a notice `noticeMinutes` ahead (the deadline), Not
 *    Ready with the countdown; at the deadline the notice "now"; then with
 *    `force` the POS is asked to end its sessions, without it the till waits.
 *    Maintenance stays on meanwhile.
 */
export type DrainAction =
  | { kind: "maintenance-on" }
  | { kind: "notice"; which: "minutes" | "now"; text: string; at: string | null }
  | { kind: "end-session"; text: string };

export type DrainVerdict =
  /** Handshake over and the till free: on to pre-hook. */
  | { kind: "proceed" }
  /** Waiting for the POS's acknowledgement (In Progress, draining), at most until `until`. */
  | { kind: "handshake"; until: number }
  /** Busy: Not Ready with `reason`; `wakeAt`: the deadline, when the next notice is due. */
  | { kind: "busy"; reason: string; wakeAt: number | null }
  /** A login won the race with maintenance: maintenance off, Not Ready, back to await-ready. */
  | { kind: "back"; reason: string };

export interface DrainFacts {
  fn: string;
  /** Local time, ms. */
  now: number;
  policy: DrainPolicy | null;
  /** Persisted progress; null before the first run. */
  state: DrainState | null;
  readiness: Readiness;
  /** The POS's latest session document (null: never published one). */
  session: SessionDocument | null;
  graceMs: number;
  /** How a time is shown to people at the till ("10:42"). */
  timeOf: (ms: number) => string;
}

export interface DrainDecision {
  /** In order; "maintenance-on" first when present. */
  actions: DrainAction[];
  /** The state to persist before the actions are taken (maintenanceSeq set by the executor). */
  state: DrainState;
  verdict: DrainVerdict;
}

export function emptyDrainState(): DrainState {
  return {
    maintenanceSeq: null,
    maintenanceAt: null,
    deadline: null,
    noticesSent: [],
    endRequested: false,
  };
}

export function planDrain(facts: DrainFacts): DrainDecision {
  const { now, policy, readiness, session } = facts;
  const state: DrainState = { ...(facts.state ?? emptyDrainState()) };
  state.noticesSent = [...state.noticesSent];
  const actions: DrainAction[] = [];
  if (state.maintenanceSeq === null) {
    actions.push({ kind: "maintenance-on" });
    state.maintenanceAt = new Date(now).toISOString();
  }
  const since = state.maintenanceAt === null ? now : Date.parse(state.maintenanceAt);
  const acknowledged =
    session === null ||
    (state.maintenanceSeq !== null &&
      session.maintenanceSeq != null &&
      session.maintenanceSeq >= state.maintenanceSeq);
  const handshakeOver = acknowledged || now >= since + facts.graceMs;
  const handshake: DrainVerdict = { kind: "handshake", until: since + facts.graceMs };

  if (readiness.ready)
    return { actions, state, verdict: handshakeOver ? { kind: "proceed" } : handshake };
  if (policy === null) {
    // Re-checked once the POS has seen maintenance: a login it took before then wins.
    if (!handshakeOver) return { actions, state, verdict: handshake };
    return {
      actions,
      state,
      verdict: { kind: "back", reason: readiness.reason },
    };
  }

  const deadline =
    state.deadline === null ? now + policy.noticeMinutes * 60_000 : Date.parse(state.deadline);
  state.deadline = new Date(deadline).toISOString();
  const at = facts.timeOf(deadline);
  if (now < deadline) {
    if (!state.noticesSent.includes("minutes")) {
      state.noticesSent.push("minutes");
      actions.push({
        kind: "notice",
        which: "minutes",
        text: `${facts.fn} will be updated in ${durationText(deadline - now)}; please finish your work and log out`,
        at: state.deadline,
      });
    }
    return {
      actions,
      state,
      verdict: {
        kind: "busy",
        reason: `update at ${at} (in ${durationText(deadline - now)}): ${readiness.reason}`,
        wakeAt: deadline,
      },
    };
  }
  if (!state.noticesSent.includes("now")) {
    state.noticesSent.push("now");
    actions.push({
      kind: "notice",
      which: "now",
      text: `${facts.fn} is being updated now; please log out`,
      at: null,
    });
  }
  if (policy.force) {
    if (!state.endRequested) {
      state.endRequested = true;
      actions.push({
        kind: "end-session",
        text: `${facts.fn} is being updated now: your session is being ended`,
      });
    }
    return {
      actions,
      state,
      verdict: {
        kind: "busy",
        reason: `update due since ${at}: the POS was asked to end the session (${readiness.reason})`,
        wakeAt: null,
      },
    };
  }
  return {
    actions,
    state,
    verdict: {
      kind: "busy",
      reason: `update due since ${at}: ${waitingFor(session, readiness.reason)}`,
      wakeAt: null,
    },
  };
}

/** "2 minutes", "1 minute", "3 seconds": rounded up, so it never says 0. */
export function durationText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return seconds === 1 ? "1 second" : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

/** Who the till waits for, in the words of the status reason. */
function waitingFor(session: SessionDocument | null, reason: string): string {
  const users = session?.users ?? [];
  if (users.length === 1) return `waiting for user ${users[0]} to log out`;
  if (users.length > 1) return `waiting for users ${users.join(", ")} to log out`;
  if (session?.transactionInProgress === true) return "waiting for the transaction to end";
  return `waiting: ${reason}`;
}
