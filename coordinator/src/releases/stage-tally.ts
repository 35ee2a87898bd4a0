import {
  ERROR_OUTCOMES,
  isOkOnVersion,
  MOVING_OUTCOMES,
  memberOutcome,
  memberWake,
  type OutcomeRules,
} from "./member-outcome.js";
import type {
  MemberObservation,
  MemberOutcome,
  MemberRecord,
  StageCounts,
  StageRecord,
} from "./release-model.js";

/**
 * One pass over a stage's members: each member's outcome (with `held`
 * applied per store), the counts, the members grouped by store and when to
 * look again; then which queued members to send (pickSends). O(members):
 * the stage is read once, stores are grouped once.
 */
export interface StageTally {
  /** Aligned with the stage's members. */
  readonly outcomes: MemberOutcome[];
  readonly counts: StageCounts;
  /** Member indexes per store, in member (listing) order. */
  readonly byStore: ReadonlyMap<string, readonly number[]>;
  /** The earliest future moment an outcome changes without news; null if none. */
  readonly wakeAt: number | null;
}

export const OUTCOMES: readonly MemberOutcome[] = [
  "queued",
  "held",
  "Prepared",
  "In Progress",
  "Not Ready",
  "soaking",
  "OK",
  "Failed",
  "Rolled Back",
  "timed out",
];

export function emptyCounts(
  total = 0,
  skipped = 0,
): Record<MemberOutcome, number> & {
  total: number;
  skipped: number;
} {
  const counts = { total, skipped } as Record<MemberOutcome, number> & {
    total: number;
    skipped: number;
  };
  for (const outcome of OUTCOMES) counts[outcome] = 0;
  return counts;
}

/** Counts per outcome of `outcomes`. */
export function countOutcomes(outcomes: readonly MemberOutcome[], skipped: number): StageCounts {
  const counts = emptyCounts(outcomes.length, skipped);
  for (const outcome of outcomes) counts[outcome]++;
  return counts;
}

export function errorsOf(counts: StageCounts): number {
  let errors = 0;
  for (const outcome of ERROR_OUTCOMES) errors += counts[outcome];
  return errors;
}

export function movingOf(counts: StageCounts): number {
  let moving = 0;
  for (const outcome of MOVING_OUTCOMES) moving += counts[outcome];
  return moving;
}

export function groupByStore(members: readonly MemberRecord[]): Map<string, number[]> {
  const byStore = new Map<string, number[]>();
  members.forEach((member, index) => {
    const list = byStore.get(member.store);
    if (list === undefined) byStore.set(member.store, [index]);
    else list.push(index);
  });
  return byStore;
}

/**
 * With a maxPerStore, a store that has a Failed, Rolled Back or timed-out
 * member sends no more of its members (they are `held`): a store must keep
 * tills that work. Without one, every member is sent at once, so none waits.
 */
function holdBrokenStores(
  outcomes: MemberOutcome[],
  byStore: ReadonlyMap<string, readonly number[]>,
): void {
  for (const indexes of byStore.values()) {
    if (!indexes.some((i) => ERROR_OUTCOMES.has(outcomes[i] as MemberOutcome))) continue;
    for (const i of indexes) if (outcomes[i] === "queued") outcomes[i] = "held";
  }
}

export function tallyStage(
  stage: StageRecord,
  observe: (key: string) => MemberObservation | undefined,
  rules: OutcomeRules,
  maxPerStore: number | null,
): StageTally {
  const outcomes: MemberOutcome[] = new Array(stage.members.length);
  let wakeAt: number | null = null;
  stage.members.forEach((member, index) => {
    const obs = member.requestId === null ? undefined : observe(member.key);
    const outcome = memberOutcome(member, obs, rules);
    outcomes[index] = outcome;
    const wake = memberWake(member, obs, outcome, rules);
    if (wake !== null && wake > rules.now && (wakeAt === null || wake < wakeAt)) wakeAt = wake;
  });
  const byStore = groupByStore(stage.members);
  if (maxPerStore !== null) holdBrokenStores(outcomes, byStore);
  return { outcomes, counts: countOutcomes(outcomes, stage.skipped.length), byStore, wakeAt };
}

/**
 * Which queued members of a running stage to send now. Without maxPerStore:
 * all of them. With one: per store, members sent and not yet OK on the
 * version are in flight; queued members (listing order) are sent while the
 * store's in-flight count is below maxPerStore, so a store's next till goes
 * only after an earlier one is OK (never all tills of a store down at
 * once). Held members (a failed till in the store) are never picked.
 */
export function pickSends(
  outcomes: readonly MemberOutcome[],
  byStore: ReadonlyMap<string, readonly number[]>,
  maxPerStore: number | null,
): number[] {
  const picked: number[] = [];
  if (maxPerStore === null) {
    outcomes.forEach((outcome, index) => {
      if (outcome === "queued") picked.push(index);
    });
    return picked;
  }
  for (const indexes of byStore.values()) {
    let inFlight = 0;
    for (const i of indexes) {
      const outcome = outcomes[i] as MemberOutcome;
      if (outcome !== "queued" && outcome !== "held" && !isOkOnVersion(outcome)) inFlight++;
    }
    for (const i of indexes) {
      if (inFlight >= maxPerStore) break;
      if (outcomes[i] !== "queued") continue;
      picked.push(i);
      inFlight++;
    }
  }
  // Listing order, whatever the order of the stores in the map.
  return picked.sort((a, b) => a - b);
}
