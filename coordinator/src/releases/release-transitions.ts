import type { HistoryEntry, ReleaseState, StageState } from "./release-model.js";

/**
 * Every state change a release task or one of its stages may make, as data:
 * the planners move states only through `releaseEntry` / `stageEntry`,
 * which refuse (throw: a planner bug, never an operator's mistake) a change
 * not listed here. Each change becomes one HistoryEntry `from -> to`.
 */

/** "-" is "no release yet" (create). */
export type ReleaseFrom = ReleaseState | "-";

export interface Transition<F, T> {
  readonly from: F;
  readonly to: T;
  /** Who makes it and why, for readers of the table. */
  readonly by: string;
}

export const RELEASE_TRANSITIONS: readonly Transition<ReleaseFrom, ReleaseState>[] = [
  { from: "-", to: "Ready", by: "create (no schedule, immediately, window)" },
  { from: "-", to: "Scheduled", by: "create (schedule at)" },
  { from: "Scheduled", to: "Running", by: "runner: its time came; or release start (now)" },
  { from: "Scheduled", to: "Cancelled", by: "cancel, or a blackout over its time" },
  { from: "Ready", to: "Running", by: "start; runner: schedule immediately or window" },
  { from: "Ready", to: "Cancelled", by: "cancel" },
  { from: "Running", to: "Paused", by: "pause" },
  { from: "Running", to: "Successful", by: "runner: every stage Successful" },
  { from: "Running", to: "Failed", by: "runner: a stage failed, onError pause" },
  { from: "Running", to: "Rolled Back", by: "runner: a stage failed, onError rollback" },
  { from: "Running", to: "Rejected", by: "reject" },
  { from: "Running", to: "Cancelled", by: "cancel" },
  { from: "Paused", to: "Running", by: "resume" },
  { from: "Paused", to: "Cancelled", by: "cancel" },
  { from: "Paused", to: "Rolled Back", by: "rollback" },
  { from: "Failed", to: "Running", by: "retry" },
  { from: "Failed", to: "Cancelled", by: "cancel" },
  { from: "Failed", to: "Rolled Back", by: "rollback" },
  { from: "Successful", to: "Rolled Back", by: "rollback" },
  { from: "Rejected", to: "Rolled Back", by: "rollback" },
  { from: "Cancelled", to: "Rolled Back", by: "rollback" },
  // A second rollback sends what the first skipped (rows that were In Progress).
  { from: "Rolled Back", to: "Rolled Back", by: "rollback again" },
];

export const STAGE_TRANSITIONS: readonly Transition<StageState, StageState>[] = [
  { from: "Pending", to: "Waiting for approval", by: "runner: checkpoint approval" },
  { from: "Pending", to: "Waiting for trigger", by: "runner: checkpoint trigger" },
  { from: "Pending", to: "Running", by: "runner: no checkpoint" },
  { from: "Pending", to: "Cancelled", by: "reject, rollback, cancel" },
  { from: "Waiting for approval", to: "Running", by: "approve" },
  { from: "Waiting for approval", to: "Cancelled", by: "reject, rollback, cancel" },
  { from: "Waiting for trigger", to: "Running", by: "trigger" },
  { from: "Waiting for trigger", to: "Cancelled", by: "rollback, cancel" },
  { from: "Running", to: "Successful", by: "runner: success threshold reached (or no rows)" },
  { from: "Running", to: "Failed", by: "runner: error threshold crossed, or stuck" },
  { from: "Running", to: "Cancelled", by: "rollback, cancel" },
  { from: "Failed", to: "Running", by: "retry" },
];

function allowed<F, T>(table: readonly Transition<F, T>[], from: F, to: T): boolean {
  return table.some((t) => t.from === from && t.to === to);
}

export function isReleaseTransition(from: ReleaseFrom, to: ReleaseState): boolean {
  return allowed(RELEASE_TRANSITIONS, from, to);
}

export function isStageTransition(from: StageState, to: StageState): boolean {
  return allowed(STAGE_TRANSITIONS, from, to);
}

/** The history entry of a release's change; throws when the table does not allow it. */
export function releaseEntry(
  from: ReleaseFrom,
  to: ReleaseState,
  reason: string,
  who: string,
  at: string,
): HistoryEntry {
  if (!isReleaseTransition(from, to)) {
    throw new Error(`release transition ${from} -> ${to} is not allowed`);
  }
  return { at, who, subject: "release", from, to, reason };
}

/** The history entry of a stage's change; throws when the table does not allow it. */
export function stageEntry(
  stage: string,
  from: StageState,
  to: StageState,
  reason: string,
  who: string,
  at: string,
): HistoryEntry {
  if (!isStageTransition(from, to)) {
    throw new Error(`stage ${JSON.stringify(stage)} transition ${from} -> ${to} is not allowed`);
  }
  return { at, who, subject: stage, from, to, reason };
}

/** Stage states that have ended (no row of the stage is sent any more by the runner). */
export const ENDED_STAGE_STATES: readonly StageState[] = ["Successful", "Failed", "Cancelled"];
