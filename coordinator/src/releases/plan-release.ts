import { type OutcomeRules, outcomeRules } from "./member-outcome.js";
import { blackoutOver, blackoutWait, NO_CONTEXT } from "./release-context.js";
import {
  type Draft,
  finishDraft,
  moveRelease,
  moveStage,
  needsCandidatesPlan,
  releaseEnded,
  setStageReason,
  stageEnded,
  startDraft,
} from "./release-draft.js";
import {
  type BlackoutFact,
  type MemberOutcome,
  type MemberRecord,
  type PlanInput,
  type ReleaseContext,
  type ReleasePlan,
  RUNNER,
  type StageCounts,
  type StageRecord,
  type StageSpec,
} from "./release-model.js";
import { cancelOpenStages, markSent, rollbackReason, sendRollbacks } from "./release-unwind.js";
import { selectStageMembers } from "./stage-members.js";
import { countOutcomes, pickSends, tallyStage } from "./stage-tally.js";
import { endVerdict, errorVerdict, type Verdict } from "./stage-verdict.js";

/**
 * The release runner's decision (pure): release state × stage rows' status
 * × now → the next record, the sends, the events, when to look again. Only
 * a Running release moves; the current stage is the first not Successful.
 * A plan that must start a stage and has no candidates changes nothing and
 * says `needsCandidates` (plan again with them): all or nothing, so the
 * record never holds half a plan.
 */
export function planRelease(input: PlanInput): ReleasePlan {
  const draft = startDraft(input);
  const step = advance(draft, input);
  if (step.needsCandidates) return needsCandidatesPlan(input);
  return finishDraft(draft, step.wakeAt);
}

export interface Step {
  readonly needsCandidates: boolean;
  readonly wakeAt: number | null;
}

const IDLE: Step = { needsCandidates: false, wakeAt: null };

/** Runs the release forward as far as it goes now (used by the operations too). */
export function advance(draft: Draft, input: PlanInput): Step {
  const spec = input.release.spec;
  const rules = outcomeRules(spec, input.now, input.context);
  // Each turn ends a stage or starts one, so this ends within 2 × stages turns.
  while (draft.state === "Running") {
    const index = draft.stages.findIndex((stage) => stage.state !== "Successful");
    if (index < 0) {
      const reason = `all ${draft.stages.length} stages successful`;
      moveRelease(draft, "Successful", reason, RUNNER);
      releaseEnded(draft, reason);
      return IDLE;
    }
    const stage = draft.stages[index] as StageRecord;
    const checkpoint = (spec.stages[index] as StageSpec).checkpoint;
    if (stage.state === "Pending") {
      if (checkpoint !== "none") {
        const to = checkpoint === "approval" ? "Waiting for approval" : "Waiting for trigger";
        moveStage(draft, index, to, `checkpoint ${checkpoint}`, RUNNER);
        draft.events.push({
          type: "stage-waiting",
          at: draft.at,
          release: draft.id,
          stage: stage.name,
          checkpoint,
        });
        return IDLE;
      }
      if (!startStage(draft, input, index, RUNNER, "started")) {
        return { needsCandidates: true, wakeAt: null };
      }
      continue;
    }
    if (stage.state !== "Running") return IDLE; // waiting for an operator
    const wakeAt = runStage(draft, input, index, rules);
    if ((draft.stages[index] as StageRecord).state !== "Successful") return { ...IDLE, wakeAt };
  }
  return IDLE;
}

/**
 * Fixes the stage's members and moves it to Running (from Pending, or from a
 * checkpoint by the operator who lifted it). False, changing nothing, when
 * the caller gave no candidates.
 */
export function startStage(
  draft: Draft,
  input: PlanInput,
  index: number,
  who: string,
  why: string,
): boolean {
  if (input.candidates === null) return false;
  const { members, skipped } = selectStageMembers({
    release: { ...input.release, stages: draft.stages },
    stageIndex: index,
    candidates: input.candidates,
    heldBy: input.heldBy,
    packs: input.packs,
    context: input.context,
  });
  const reason = `${why}: ${members.length} row${members.length === 1 ? "" : "s"}${
    skipped.length > 0 ? `, ${skipped.length} skipped` : ""
  }`;
  moveStage(draft, index, "Running", reason, who, { members, skipped });
  draft.events.push({
    type: "stage-started",
    at: draft.at,
    release: draft.id,
    stage: (draft.stages[index] as StageRecord).name,
    members: members.length,
  });
  return true;
}

/** Dispatch and judge a Running stage; returns when to look again (null if none). */
function runStage(draft: Draft, input: PlanInput, index: number, rules: OutcomeRules) {
  const spec = input.release.spec;
  const stage = draft.stages[index] as StageRecord;
  const tally = tallyStage(stage, input.observe, rules, spec.maxPerStore);
  // Errors first: a stage about to fail sends no more rows (safer than
  // sending, then failing in the same plan; the verdict is the same).
  const errors = errorVerdict(tally.counts, spec);
  if (errors.kind === "failed") {
    failStage(draft, input, index, errors, tally.counts);
    return null;
  }
  // Members a blackout covers now are not sent while it lasts (issue 11): they stay queued.
  const hold = blackoutHolds(stage, tally.outcomes, input.context ?? NO_CONTEXT, rules.now);
  const pickable =
    hold.indexes.size === 0
      ? tally.outcomes
      : tally.outcomes.map((outcome, i) => (hold.indexes.has(i) ? "held" : outcome));
  const picked = pickSends(pickable, tally.byStore, spec.maxPerStore);
  markSent(draft, index, picked, spec.function, spec.version, "install", spec.redeploy);
  showBlackoutWait(draft, index, hold.first);
  const outcomes: MemberOutcome[] = tally.outcomes;
  for (const i of picked) outcomes[i] = "Prepared";
  const counts = picked.length > 0 ? countOutcomes(outcomes, stage.skipped.length) : tally.counts;
  const verdict = endVerdict(counts, spec);
  if (verdict.kind === "successful") {
    moveStage(draft, index, "Successful", verdict.reason, RUNNER);
    stageEnded(draft, index, "Successful", verdict.reason);
    return null;
  }
  if (verdict.kind === "failed") {
    failStage(draft, input, index, verdict, counts);
    return null;
  }
  const sentWake = picked.length > 0 ? rules.now + rules.timeoutMs : null;
  return earliest(earliest(tally.wakeAt, sentWake), hold.until);
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

/**
 * Queued members whose group a blackout covers now, the first such blackout
 * (for the stage's reason) and when the earliest of them ends (wake then).
 */
function blackoutHolds(
  stage: StageRecord,
  outcomes: readonly MemberOutcome[],
  context: ReleaseContext,
  now: number,
): { indexes: Set<number>; first: BlackoutFact | undefined; until: number | null } {
  const indexes = new Set<number>();
  let first: BlackoutFact | undefined;
  let until: number | null = null;
  const byGroup = new Map<string | null, BlackoutFact | undefined>();
  outcomes.forEach((outcome, i) => {
    if (outcome !== "queued") return;
    const group = (stage.members[i] as MemberRecord).group ?? null;
    if (!byGroup.has(group)) byGroup.set(group, blackoutOver(context, [group], now));
    const blackout = byGroup.get(group);
    if (blackout === undefined) return;
    indexes.add(i);
    first ??= blackout;
    const end = Date.parse(blackout.to);
    if (!Number.isNaN(end) && (until === null || end < until)) until = end;
  });
  return { indexes, first, until };
}

/** The stage's reason says which blackout holds members; once none does, its last transition's reason again. */
function showBlackoutWait(draft: Draft, index: number, blackout: BlackoutFact | undefined): void {
  const stage = draft.stages[index] as StageRecord;
  if (blackout !== undefined) {
    setStageReason(draft, index, blackoutWait(blackout));
    return;
  }
  if (stage.reason?.startsWith("waiting: blackout ") !== true) return;
  const last = [...draft.history].reverse().find((entry) => entry.subject === stage.name);
  setStageReason(draft, index, last?.reason ?? null);
}

/** The stage fails; onError says whether the release waits (Failed) or rolls back. */
function failStage(
  draft: Draft,
  input: PlanInput,
  index: number,
  verdict: Extract<Verdict, { kind: "failed" }>,
  counts: StageCounts,
): void {
  const spec = input.release.spec;
  const name = (draft.stages[index] as StageRecord).name;
  moveStage(draft, index, "Failed", verdict.reason, RUNNER);
  if (verdict.threshold) {
    draft.events.push({
      type: "threshold-crossed",
      at: draft.at,
      release: draft.id,
      stage: name,
      threshold: "error",
      counts,
    });
  }
  stageEnded(draft, index, "Failed", verdict.reason);
  const why = `stage ${name} failed: ${verdict.reason}`;
  if (spec.onError === "pause") {
    // Failed waits for an operator (retry, rollback, cancel): not final, no release-ended.
    moveRelease(
      draft,
      "Failed",
      `${why}: waiting for an operator: retry, rollback or cancel`,
      RUNNER,
    );
    return;
  }
  const summary = sendRollbacks(draft, spec.function, input.observe);
  cancelOpenStages(draft, `the release rolls back: ${why}`, RUNNER);
  const reason = `${why}: onError rollback: ${rollbackReason(summary)}`;
  moveRelease(draft, "Rolled Back", reason, RUNNER);
  releaseEnded(draft, reason);
}
