import type { Status } from "@tillroll/protocol";
import { isAgentTransition, isSettled, MAX_REASON_LENGTH } from "@tillroll/protocol";
import { FunctionLayout } from "../release/release-layout.js";
import { SELF_FUNCTION } from "../self-update/self-function.js";
import { SELF_STEP_EXECUTORS } from "../self-update/self-steps.js";
import { jobFromRelease, previousReleaseOf } from "../state/agent-state.js";
import type { EngineContext, StepResult } from "./engine-context.js";
import { isHandOverStep, type JobStep, type ServiceRecord } from "./journal.js";
import { STEP_EXECUTORS } from "./steps/step-executors.js";

export type RunOutcome = "ended" | "deferred" | "cancelled";

/** Reasons go into status documents, which cap them. */
export function clampReason(reason: string | null): string | null {
  if (reason === null) return null;
  return reason.length > MAX_REASON_LENGTH
    ? `${reason.slice(0, MAX_REASON_LENGTH - 3)}...`
    : reason;
}

/** The log marker of a move the protocol's transition table does not allow (tests look for it). */
export const ILLEGAL_TRANSITION = "illegal status transition";

/**
 * Moves a record to a new status, logging `from -> to` with the reason. Every
 * status change of the agent goes through here and is checked against the
 * protocol's transition table (AGENT_TRANSITIONS): a move it does not allow
 * is a bug, logged as such. It is still made, because a till must keep
 * updating; the end-to-end tests fail on the log line.
 */
export function transition(
  ctx: EngineContext,
  fn: string,
  record: ServiceRecord,
  to: Status,
  why: string,
): void {
  const from = record.status;
  if (!isAgentTransition(from, to))
    ctx.log(`${fn}: ${ILLEGAL_TRANSITION} ${from} -> ${to} (${why}): not in the protocol's table`);
  else if (from !== to) ctx.log(`${fn}: ${from} -> ${to} (${why})`);
  record.status = to;
  record.updatedAt = new Date(ctx.clock.now()).toISOString();
}

/**
 * A new request first moves a settled service (OK, Rolled Back, Failed) to
 * Prepared, as the protocol's table says, before it goes on to In Progress
 * or straight to OK (its version already active).
 */
export function acceptRequest(
  ctx: EngineContext,
  fn: string,
  record: ServiceRecord,
  requestId: string,
): void {
  if (isSettled(record.status) && record.requestId !== requestId)
    transition(ctx, fn, record, "Prepared", `new request ${requestId}`);
}

/**
 * Runs one service's job from the step its journal records until it ends,
 * is deferred (Not Ready) or is cancelled. Each next step is persisted before
 * it is taken, so a crash anywhere resumes at a step that is safe to re-run.
 */
export async function runJob(
  ctx: EngineContext,
  fn: string,
  signal: AbortSignal,
): Promise<RunOutcome> {
  const { store } = ctx;
  const layout = new FunctionLayout(ctx.config.root, fn);
  for (;;) {
    const record = store.state.services[fn];
    const job = record?.job;
    if (record === undefined || job === undefined || job === null) return "ended";
    ctx.onStep?.(job.step, "before");
    let result: StepResult;
    try {
      const execute =
        (fn === SELF_FUNCTION ? SELF_STEP_EXECUTORS[job.step] : undefined) ??
        STEP_EXECUTORS[job.step];
      result = await execute({ fn, job, record, layout, signal, ctx });
    } catch (error) {
      // The state could not be saved (disk full): not this update's failure.
      // The reconciler saves again (with backoff) and the step, safe to run
      // again by design, runs again once the journal is on disk.
      if (store.unsaved !== null) throw error;
      // An unexpected error (permissions, a bug) is a failure of this
      // update, handled like any other: undo what can be undone.
      result = failureResult(job.step, `${job.step} failed: ${(error as Error).message}`, {
        activeVersion: job.fromVersion,
        previousVersion: record.previousVersion,
        activeRelease: jobFromRelease(job),
        previousRelease: previousReleaseOf(record),
      });
    }
    ctx.onStep?.(job.step, "after");
    if (signal.aborted && isPreStop(job.step)) return "cancelled";
    switch (result.kind) {
      case "next":
        ctx.log(`${fn}: step ${job.step} -> ${result.step}`);
        job.step = result.step;
        job.notReady = null;
        if (record.status !== "In Progress")
          transition(ctx, fn, record, "In Progress", `step ${result.step}`);
        record.reason = null;
        break;
      case "defer":
        if (result.step !== undefined) job.step = result.step;
        job.notReady = result.reason;
        record.reason = clampReason(result.reason);
        transition(ctx, fn, record, "Not Ready", result.reason);
        await ctx.reporter.reportStatus(); // saves the journal too
        return "deferred";
      case "abort":
      case "rollback":
        job.failure = clampReason(result.reason);
        ctx.log(
          `${fn}: step ${job.step} -> ${result.kind === "abort" ? "abort" : "rollback-stop"} (${result.reason})`,
        );
        job.step = result.kind === "abort" ? "abort" : "rollback-stop";
        if (record.status !== "In Progress")
          transition(ctx, fn, record, "In Progress", result.reason);
        break;
      case "end":
        record.activeVersion = result.activeVersion;
        record.previousVersion = result.previousVersion;
        record.activeRelease = result.activeRelease;
        record.previousRelease = result.previousRelease;
        record.reason = clampReason(result.reason);
        record.progress = null;
        record.job = null;
        transition(ctx, fn, record, result.status, result.reason ?? `${job.toVersion} is healthy`);
        await ctx.reporter.reportStatus(); // saves the journal too
        return "ended";
      case "cancelled":
        return "cancelled";
    }
    // Write before you act: the next step is on disk (with the status report) before it runs.
    await ctx.reporter.reportStatus();
  }
}

const PRE_STOP: ReadonlySet<JobStep> = new Set<JobStep>([
  "fetch",
  "unpack",
  "await-ready",
  "drain",
]);

function isPreStop(step: JobStep): boolean {
  return PRE_STOP.has(step);
}

/** Where an unexpected error in a step leads: undo before the stop, roll back after it. */
function failureResult(
  step: JobStep,
  reason: string,
  versions: {
    activeVersion: string | null;
    previousVersion: string | null;
    activeRelease: string | null;
    previousRelease: string | null;
  },
): StepResult {
  if (step === "abort") return { kind: "end", status: "Rolled Back", reason, ...versions };
  if (step.startsWith("rollback-")) return { kind: "end", status: "Failed", reason, ...versions };
  // A hand-over's steps never stopped the old instance: abort (which stops the new one).
  if (PRE_STOP.has(step) || step === "pre-hook" || isHandOverStep(step))
    return { kind: "abort", reason };
  return { kind: "rollback", reason };
}
