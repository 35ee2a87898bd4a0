import { err, ok, type Result } from "@tillroll/protocol";
import { ERROR_OUTCOMES, outcomeRules } from "./member-outcome.js";
import { advance, startStage } from "./plan-release.js";
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
import type {
  PlanInput,
  ReleaseActor,
  ReleaseOperation,
  ReleaseOperationKind,
  ReleasePlan,
  ReleaseState,
  StageRecord,
} from "./release-model.js";
import {
  cancelOpenStages,
  markSent,
  rollbackReason,
  sendCancels,
  sendRollbacks,
} from "./release-unwind.js";
import { tallyStage } from "./stage-tally.js";

/**
 * An operator's operation on a release (pure): refused naming the state
 * ("the release task is Running: pause it first"), or the plan to persist
 * and apply. Operations that start a stage (start, resume, approve,
 * trigger, retry) then run the release as the runner would, in the same
 * plan; when that needs candidates and none were given, nothing changes and
 * the plan says `needsCandidates`: ask again with them.
 */

/** The states each operation is allowed in (the refusals below name the others). */
export const OPERATION_STATES: Readonly<Record<ReleaseOperationKind, readonly ReleaseState[]>> = {
  start: ["Ready", "Scheduled"],
  approve: ["Running"],
  reject: ["Running"],
  trigger: ["Running"],
  pause: ["Running"],
  resume: ["Paused"],
  retry: ["Running", "Failed"],
  rollback: ["Paused", "Failed", "Successful", "Cancelled", "Rejected", "Rolled Back"],
  cancel: ["Scheduled", "Ready", "Running", "Paused", "Failed"],
};

const ENDED: readonly ReleaseState[] = ["Successful", "Rejected", "Cancelled", "Rolled Back"];

/** Why `kind` is not allowed in `state`: always "the release task is <state>: …". */
export function refusal(kind: ReleaseOperationKind, state: ReleaseState): string {
  const prefix = `the release task is ${state}`;
  if (kind === "rollback") {
    return state === "Running"
      ? `${prefix}: pause it first`
      : `${prefix}: it has not started: nothing to roll back`;
  }
  if (ENDED.includes(state)) return `${prefix}: it has ended`;
  if (kind === "start") return `${prefix}: it has already been started`;
  if (state === "Ready") return `${prefix}: start it first`;
  if (state === "Scheduled") return `${prefix}: it has not started (release start starts it now)`;
  if (state === "Paused") {
    return kind === "pause" ? `${prefix}: it is paused already` : `${prefix}: resume it first`;
  }
  if (state === "Running") return `${prefix}: it is not paused`;
  return `${prefix}: a stage failed: retry, roll back or cancel it`;
}

export function planOperation(
  input: PlanInput,
  operation: ReleaseOperation,
  actor: ReleaseActor,
): Result<ReleasePlan> {
  const state = input.release.state;
  if (!OPERATION_STATES[operation.kind].includes(state)) {
    return err(refusal(operation.kind, state));
  }
  if (operation.kind === "cancel" && input.release.spec.forced && actor.platformAdmin !== true) {
    return err(forcedRefusal(input.release.id));
  }
  const draft = startDraft(input);
  const who = actor.name;
  switch (operation.kind) {
    case "start":
      moveRelease(draft, "Running", operation.reason ?? `started by ${who}`, who);
      return ok(runOn(draft, input));
    case "resume":
      moveRelease(draft, "Running", `resumed by ${who}`, who);
      return ok(runOn(draft, input));
    case "pause":
      moveRelease(draft, "Paused", `paused by ${who}: rows already sent go on`, who);
      return ok(finishDraft(draft, null));
    case "approve":
    case "reject":
    case "trigger":
      return checkpoint(draft, input, operation, actor);
    case "retry":
      return retry(draft, input, who);
    case "rollback":
      return rollback(draft, input, who);
    case "cancel":
      return ok(cancel(draft, input, who, operation.reason));
  }
}

/** Runs the release on after an operation; all or nothing when candidates are missing. */
function runOn(draft: Draft, input: PlanInput): ReleasePlan {
  const step = advance(draft, input);
  if (step.needsCandidates) return needsCandidatesPlan(input);
  return finishDraft(draft, step.wakeAt);
}

/** approve, reject, trigger: the current stage must wait for that checkpoint. */
function checkpoint(
  draft: Draft,
  input: PlanInput,
  operation: Extract<ReleaseOperation, { kind: "approve" | "reject" | "trigger" }>,
  actor: ReleaseActor,
): Result<ReleasePlan> {
  const index = draft.stages.findIndex((stage) => stage.state !== "Successful");
  const stage = draft.stages[index];
  const waitingFor = operation.kind === "trigger" ? "Waiting for trigger" : "Waiting for approval";
  if (stage === undefined || stage.state !== waitingFor) {
    const now =
      stage === undefined ? "no stage" : `stage ${JSON.stringify(stage.name)} is ${stage.state}`;
    const what = operation.kind === "trigger" ? "a trigger" : "approval";
    return err(`the release task is ${draft.state} and ${now}: nothing waits for ${what}`);
  }
  const who = actor.name;
  if (operation.kind === "trigger") {
    draft.decisions.push({
      at: draft.at,
      who,
      stage: stage.name,
      verdict: "triggered",
      comment: null,
    });
    if (!startStage(draft, input, index, who, `triggered by ${who}`)) {
      return ok(needsCandidatesPlan(input));
    }
    return ok(runOn(draft, input));
  }
  if (actor.approvalRefused !== null) return err(actor.approvalRefused);
  const comment = operation.comment.trim();
  if (comment === "") return err(`${operation.kind} needs a comment (--comment TEXT)`);
  const verdict = operation.kind === "approve" ? "approved" : "rejected";
  draft.decisions.push({ at: draft.at, who, stage: stage.name, verdict, comment });
  if (operation.kind === "approve") {
    if (!startStage(draft, input, index, who, `approved by ${who}: ${comment}`)) {
      return ok(needsCandidatesPlan(input));
    }
    return ok(runOn(draft, input));
  }
  const reason = `stage ${stage.name} rejected by ${who}: ${comment}`;
  moveStage(draft, index, "Cancelled", `rejected by ${who}: ${comment}`, who);
  stageEnded(draft, index, "Cancelled", `rejected by ${who}: ${comment}`);
  cancelOpenStages(draft, `the release task was rejected at stage ${stage.name}`, who);
  moveRelease(draft, "Rejected", reason, who);
  releaseEnded(draft, reason);
  return ok(finishDraft(draft, null));
}

/** Failed, Rolled Back and timed-out members get a new request; a Failed stage and release run again. */
function retry(draft: Draft, input: PlanInput, who: string): Result<ReleasePlan> {
  const spec = input.release.spec;
  const rules = outcomeRules(spec, input.now, input.context);
  let retried = 0;
  draft.stages.forEach((stage: StageRecord, index) => {
    if (stage.members.length === 0 || stage.state === "Cancelled") return;
    const tally = tallyStage(stage, input.observe, rules, spec.maxPerStore);
    const picked: number[] = [];
    tally.outcomes.forEach((outcome, i) => {
      if (ERROR_OUTCOMES.has(outcome)) picked.push(i);
    });
    if (picked.length === 0) return;
    markSent(draft, index, picked, spec.function, spec.version, "retry", spec.redeploy);
    retried += picked.length;
    if (stage.state === "Failed") {
      moveStage(draft, index, "Running", `retried by ${who}: ${picked.length} rows`, who);
    }
  });
  if (retried === 0) {
    return err(
      `the release task is ${draft.state}: no Failed, Rolled Back or timed-out rows to retry`,
    );
  }
  if (draft.state === "Failed") {
    moveRelease(draft, "Running", `retried by ${who}: ${retried} rows get a new request`, who);
  }
  return ok(runOn(draft, input));
}

function rollback(draft: Draft, input: PlanInput, who: string): Result<ReleasePlan> {
  const again = draft.state === "Rolled Back";
  const summary = sendRollbacks(draft, input.release.spec.function, input.observe);
  if (again && summary.sent === 0) {
    return err(
      `the release task is Rolled Back: no rows left to roll back (${rollbackReason(summary)})`,
    );
  }
  cancelOpenStages(draft, `rolled back by ${who}`, who);
  const reason = `rolled back by ${who}: ${rollbackReason(summary)}`;
  moveRelease(draft, "Rolled Back", reason, who);
  if (!again) releaseEnded(draft, reason);
  return ok(finishDraft(draft, null));
}

/** Why a forced release is not cancelled for someone other than the platform admin. */
export function forcedRefusal(id: string): string {
  return `release ${id} is forced: only the platform admin may cancel it`;
}

function cancel(draft: Draft, input: PlanInput, who: string, why?: string): ReleasePlan {
  const cancelled = sendCancels(draft, input.release.spec.function, input.observe);
  const by = why ?? `cancelled by ${who}`;
  cancelOpenStages(draft, by, who);
  const reason = `${by}: ${cancelled} row${cancelled === 1 ? "" : "s"} not started go back to "-"; rows In Progress finish`;
  moveRelease(draft, "Cancelled", reason, who);
  releaseEnded(draft, reason);
  return finishDraft(draft, null);
}
