import { jobFromRelease, previousReleaseOf } from "../../state/agent-state.js";
import type { StepExecutor, StepInput, StepResult } from "../engine-context.js";
import {
  checkHealth,
  discardDownload,
  keptVersions,
  releaseDescriptor,
  serviceRelease,
} from "./step-helpers.js";

/**
 * An install-log line of the way back (issue 13: the `log` topic carries a
 * warning or an error for every rollback step). Never fails the step: a lost
 * log line must not stop a rollback.
 */
async function undoLog(input: StepInput, level: "warn" | "error", line: string): Promise<void> {
  const { job, fn, ctx } = input;
  await ctx.reporter
    .installLog({
      function: fn,
      version: job.toVersion,
      requestId: job.requestId,
      level,
      source: "agent",
      stream: null,
      line,
    })
    .catch(() => undefined);
}

function failureOf(input: StepInput): string {
  return input.job.failure ?? "update failed";
}

/** Releases worth keeping after a failed update: what runs, and the one before it. */
function keep(input: StepInput): (string | null)[] {
  return [jobFromRelease(input.job), previousReleaseOf(input.record)];
}

/**
 * Ends an update that failed before the old service was stopped: discard the
 * download, the staging folder and the unused release. The old version never
 * stopped, so the outcome is Rolled Back with the reason.
 */
export const abortStep: StepExecutor = async (input) => {
  const { layout, job, ctx, fn } = input;
  await undoLog(
    input,
    "warn",
    `abort: ${failureOf(input)}; discarding ${job.toVersion}, ${job.fromVersion ?? "nothing"} stays`,
  );
  await ctx.services.stopNext(fn); // a hand-over's new instance, if one runs
  await layout.removeLeftovers();
  await discardDownload(input);
  await layout.prune(keep(input));
  const from = jobFromRelease(job);
  if (from !== null) {
    // Normally still running; after a crash it may need starting again.
    const descriptor = await releaseDescriptor(input, from);
    if (typeof descriptor !== "string") {
      await ctx.services
        .start(fn, await serviceRelease(input, from, descriptor))
        .catch(async (error: Error) => {
          const line = `could not start ${job.fromVersion} after the abort: ${error.message}`;
          ctx.log(`${fn}: ${line}`);
          await undoLog(input, "error", line);
        });
    }
  }
  await ctx.reporter.setMaintenance(false, [], null);
  return {
    kind: "end",
    status: "Rolled Back",
    reason: failureOf(input),
    ...keptVersions(input),
  };
};

export const rollbackStopStep: StepExecutor = async (input) => {
  await undoLog(input, "warn", `rollback: ${failureOf(input)}; stopping ${input.job.toVersion}`);
  await input.ctx.services.stop(input.fn);
  return { kind: "next", step: "rollback-switch" };
};

export const rollbackSwitchStep: StepExecutor = async (input) => {
  const from = jobFromRelease(input.job);
  await undoLog(
    input,
    "warn",
    from === null
      ? "rollback: no previous release, clearing current"
      : `rollback: switching back to ${input.job.fromVersion}`,
  );
  if (from === null) await input.layout.clearCurrent();
  else await input.layout.switchTo(from);
  return { kind: "next", step: "rollback-start" };
};

export const rollbackStartStep: StepExecutor = async (input) => {
  const { job, ctx, fn } = input;
  const from = jobFromRelease(job);
  if (from === null) return { kind: "next", step: "rollback-verify" };
  const descriptor = await releaseDescriptor(input, from);
  if (typeof descriptor === "string") return endRollback(input, false, descriptor);
  await undoLog(input, "warn", `rollback: starting ${job.fromVersion} again`);
  try {
    await ctx.services.start(fn, await serviceRelease(input, from, descriptor));
  } catch (error) {
    return endRollback(
      input,
      false,
      `start of ${job.fromVersion} failed: ${(error as Error).message}`,
    );
  }
  return { kind: "next", step: "rollback-verify" };
};

export const rollbackVerifyStep: StepExecutor = async (input) => {
  const { job } = input;
  const from = jobFromRelease(job);
  if (from === null) return endRollback(input, true, null);
  const descriptor = await releaseDescriptor(input, from);
  if (typeof descriptor === "string") return endRollback(input, false, descriptor);
  await undoLog(input, "warn", `rollback: health-checking ${job.fromVersion}`);
  const health = await checkHealth(input, from, descriptor);
  return endRollback(
    input,
    health.healthy,
    health.healthy ? null : `health check of ${job.fromVersion} failed: ${health.reason}`,
  );
};

/** Rolled Back when the previous version runs healthy again, Failed when it does not. */
async function endRollback(
  input: StepInput,
  healthy: boolean,
  rollbackProblem: string | null,
): Promise<StepResult> {
  await input.layout.prune(keep(input));
  await discardDownload(input);
  await input.ctx.reporter.setMaintenance(false, [], null);
  const reason = healthy
    ? failureOf(input)
    : `${failureOf(input)}; rollback failed: ${rollbackProblem}`;
  await undoLog(
    input,
    "error",
    healthy
      ? `rolled back to ${input.job.fromVersion ?? "nothing"}: ${reason}`
      : `rollback failed, ${input.job.fromVersion ?? "nothing"} is not running healthy: ${reason}`,
  );
  return {
    kind: "end",
    status: healthy ? "Rolled Back" : "Failed",
    reason,
    ...keptVersions(input),
  };
}
