import type { FunctionPackDescriptor } from "@tillroll/protocol";
import { jobFromRelease, jobToRelease } from "../../state/agent-state.js";
import type { StepExecutor, StepInput, StepResult } from "../engine-context.js";
import { checkHealth, releaseDescriptor, runHook, serviceRelease } from "./step-helpers.js";

/**
 * Hand-over (descriptor `"strategy": "hand-over"`): the new release's
 * instance starts beside the running one, is health-checked, and only then
 * does `current` move and the old instance stop. Until promote, a failure
 * stops the new instance and aborts: the old one never stopped, so the
 * outcome is Rolled Back with the reason. Steps: start-next, verify-next,
 * promote (journal.ts HAND_OVER_STEPS), then commit.
 */

/**
 * How this job's release takes over, decided at unpack: hand-over only when
 * the pack asks for it, the service manager can run two instances (not
 * systemd) and an old instance runs to hand over from; otherwise the usual
 * stop-then-start. Pure.
 */
export function chooseStrategy(
  declared: FunctionPackDescriptor["strategy"],
  handOverSupported: boolean,
  oldRunning: boolean,
): { strategy: "stop-start" | "hand-over"; note: string | null } {
  if (declared !== "hand-over") return { strategy: "stop-start", note: null };
  if (!handOverSupported)
    return {
      strategy: "stop-start",
      note: "the pack asks for hand-over, which this till's service manager cannot do: stop-start",
    };
  if (!oldRunning)
    return {
      strategy: "stop-start",
      note: "the pack asks for hand-over, but no instance runs to hand over from: stop-start",
    };
  return { strategy: "hand-over", note: null };
}

/** Records the job's strategy (unpack); a fallback from hand-over is said in the install log. */
export async function decideStrategy(
  input: StepInput,
  descriptor: FunctionPackDescriptor,
): Promise<void> {
  const { ctx, fn, job } = input;
  const chosen = chooseStrategy(
    descriptor.strategy,
    ctx.services.supportsHandOver,
    jobFromRelease(job) !== null && ctx.services.isRunning(fn),
  );
  job.strategy = chosen.strategy;
  if (chosen.note !== null) await note(input, chosen.note);
}

/** The step after pre-hook: the new instance beside the old one, or stop the old one. */
export function stepAfterPreHook(input: StepInput): "start-next" | "stop" {
  return input.job.strategy === "hand-over" ? "start-next" : "stop";
}

/** Ends a hand-over that failed before promote: the new instance goes, the old one stays. */
async function giveUp(input: StepInput, reason: string): Promise<StepResult> {
  await input.ctx.services.stopNext(input.fn);
  return { kind: "abort", reason };
}

async function newDescriptor(input: StepInput): Promise<FunctionPackDescriptor | string> {
  return releaseDescriptor(input, jobToRelease(input.job));
}

/** afterInstall of the new release (the old one still serves), then its instance beside the old. */
export const startNextStep: StepExecutor = async (input) => {
  const { ctx, fn, job } = input;
  const descriptor = await newDescriptor(input);
  if (typeof descriptor === "string") return giveUp(input, descriptor);
  const failure = await runHook(input, "afterInstall", descriptor);
  if (failure !== null) return giveUp(input, failure);
  try {
    await ctx.services.startNext(fn, await serviceRelease(input, jobToRelease(job), descriptor));
  } catch (error) {
    return giveUp(
      input,
      `start of ${job.toVersion} beside the running instance failed: ${(error as Error).message}`,
    );
  }
  await note(
    input,
    `hand-over: new instance pid ${ctx.services.nextPid(fn) ?? "?"} started beside pid ${ctx.services.pid(fn) ?? "?"}`,
  );
  return { kind: "next", step: "verify-next" };
};

/** Health check of the new instance; unhealthy (or exited) → stop it, the old one serves on. */
export const verifyNextStep: StepExecutor = async (input) => {
  const { job } = input;
  const descriptor = await newDescriptor(input);
  if (typeof descriptor === "string") return giveUp(input, descriptor);
  const health = await checkHealth(input, jobToRelease(job), descriptor);
  if (!health.healthy) {
    // A new instance that keeps exiting (a bad recipe) is worth saying so.
    const gone =
      input.ctx.services.nextPid(input.fn) === undefined
        ? " (the new instance is not running: it exited)"
        : "";
    return giveUp(
      input,
      `health check of the new ${job.toVersion} failed${gone}: ${health.reason}`,
    );
  }
  return { kind: "next", step: "promote" };
};

/**
 * `current` moves to the new release, then the old instance stops and the
 * new one becomes the service. If the new instance died after its health
 * check (promoteNext refuses, changing nothing), `current` goes back and
 * the update aborts with the old instance still serving.
 */
export const promoteStep: StepExecutor = async (input) => {
  const { ctx, fn, job, layout } = input;
  const [oldPid, newPid] = [ctx.services.pid(fn), ctx.services.nextPid(fn)];
  await layout.switchTo(jobToRelease(job));
  try {
    await ctx.services.promoteNext(fn);
  } catch (error) {
    const from = jobFromRelease(job);
    if (from !== null) await layout.switchTo(from);
    return giveUp(input, `hand-over to ${job.toVersion} failed: ${(error as Error).message}`);
  }
  await note(
    input,
    `hand-over: pid ${newPid ?? "?"} is the service now; the old instance (pid ${oldPid ?? "?"}) stopped`,
  );
  return { kind: "next", step: "commit" };
};

/** One install-log line of the agent about this job. */
function note(input: StepInput, line: string): Promise<void> {
  const { fn, job } = input;
  return input.ctx.reporter.installLog({
    function: fn,
    version: job.toVersion,
    requestId: job.requestId,
    level: "info",
    source: "agent",
    stream: null,
    line,
  });
}
