import { type OutcomeRules, outcomeRules } from "./member-outcome.js";
import {
  type Draft,
  finishDraft,
  moveRelease,
  moveStage,
  needsCandidatesPlan,
  releaseEnded,
  stageEnded,
  startDraft,
} from "./release-draft.js";
import {
  type MemberOutcome,
  type PlanInput,
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
  const rules = outcomeRules(spec, input.now);
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
  const picked = pickSends(tally.outcomes, tally.byStore, spec.maxPerStore);
  markSent(draft, index, picked, spec.function, spec.version, "install");
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
  if (tally.wakeAt === null) return sentWake;
  return sentWake === null ? tally.wakeAt : Math.min(tally.wakeAt, sentWake);
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
