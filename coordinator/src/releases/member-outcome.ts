import { NO_CONTEXT } from "./release-context.js";
import type {
  MemberObservation,
  MemberOutcome,
  MemberRecord,
  ReleaseContext,
  ReleaseSpec,
} from "./release-model.js";
import { durationMs } from "./release-spec.js";

/**
 * What one member of a stage counts as now, from its record (sent or not,
 * when) and its row's observation. Pure; `held` is decided per store
 * (stage-tally.ts), not here.
 */

/** The spec's numbers a verdict needs, read once per plan. */
export interface OutcomeRules {
  readonly version: string;
  readonly timeoutMs: number;
  readonly soakMs: number;
  readonly now: number;
  /** Window mode: when the timeout's budget of open window has passed (protocol windowDeadline). */
  readonly windowDeadline: ReleaseContext["windowDeadline"];
}

export function outcomeRules(
  spec: ReleaseSpec,
  now: number,
  context: Pick<ReleaseContext, "windowDeadline"> = NO_CONTEXT,
): OutcomeRules {
  return {
    version: spec.version,
    timeoutMs: durationMs(spec.stageTimeout),
    soakMs: durationMs(spec.soak),
    now,
    windowDeadline: context.windowDeadline,
  };
}

/**
 * When a sent member that has not answered counts as timed out: sentAt +
 * stageTimeout, or in window mode when stageTimeout of its window's open
 * time has passed since sentAt (waiting for the window is not unanswered).
 * NaN when sentAt cannot be read.
 */
export function memberDeadline(member: MemberRecord, rules: OutcomeRules): number {
  const sentAt = member.sentAt === null ? Number.NaN : Date.parse(member.sentAt);
  if (Number.isNaN(sentAt)) return Number.NaN;
  const window = member.window;
  if (window === undefined || window === null) return sentAt + rules.timeoutMs;
  return rules.windowDeadline(window, sentAt, rules.timeoutMs);
}

/** Failed + Rolled Back + timed out: what the error threshold counts. */
export const ERROR_OUTCOMES: ReadonlySet<MemberOutcome> = new Set<MemberOutcome>([
  "Failed",
  "Rolled Back",
  "timed out",
]);

/** Outcomes that may still change without an operator (the stage is not stuck while one is left). */
export const MOVING_OUTCOMES: ReadonlySet<MemberOutcome> = new Set<MemberOutcome>([
  "queued",
  "Prepared",
  "In Progress",
  "Not Ready",
  "soaking",
]);

/** OK on the release's version (soaking or soaked): a store's next till may go. */
export function isOkOnVersion(outcome: MemberOutcome): boolean {
  return outcome === "OK" || outcome === "soaking";
}

/**
 * When a row OK on the version started counting: the runner's okSince, or
 * now when it has none yet (the soak starts now: conservative).
 */
function okStart(obs: MemberObservation, rules: OutcomeRules): number {
  return obs.okSince ?? rules.now;
}

/** Whether the member's own request is what the row reports on. */
function answers(
  member: MemberRecord,
  obs: MemberObservation | undefined,
): obs is MemberObservation {
  return obs !== undefined && member.requestId !== null && obs.requestId === member.requestId;
}

/** Prepared, or timed out when its deadline (memberDeadline) ≤ now. */
function preparedOrTimedOut(member: MemberRecord, rules: OutcomeRules): MemberOutcome {
  const deadline = memberDeadline(member, rules);
  // An unreadable sentAt cannot be waited on: count it as timed out (it shows, it can be retried).
  if (Number.isNaN(deadline)) return "timed out";
  return deadline <= rules.now ? "timed out" : "Prepared";
}

export function memberOutcome(
  member: MemberRecord,
  obs: MemberObservation | undefined,
  rules: OutcomeRules,
): MemberOutcome {
  if (member.requestId === null) return "queued";
  // Sent, and the row does not report on this request yet: not acknowledged.
  if (!answers(member, obs)) return preparedOrTimedOut(member, rules);
  switch (obs.status) {
    case "Prepared":
      return preparedOrTimedOut(member, rules);
    case "In Progress":
    case "Not Ready":
    case "Failed":
    case "Rolled Back":
      return obs.status;
    case "OK":
      if (obs.activeVersion !== rules.version) return preparedOrTimedOut(member, rules);
      return okStart(obs, rules) + rules.soakMs <= rules.now ? "OK" : "soaking";
  }
}

/**
 * When this member's outcome changes without news: the end of its timeout
 * (Prepared) or of its soak (soaking); null otherwise.
 */
export function memberWake(
  member: MemberRecord,
  obs: MemberObservation | undefined,
  outcome: MemberOutcome,
  rules: OutcomeRules,
): number | null {
  if (outcome === "Prepared" && member.sentAt !== null) return memberDeadline(member, rules);
  if (outcome === "soaking" && obs !== undefined) return okStart(obs, rules) + rules.soakMs;
  return null;
}
