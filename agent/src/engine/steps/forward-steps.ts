import { mkdir, readFile } from "node:fs/promises";
import { descriptorMismatch, readDescriptor } from "@tillroll/protocol/node";
import { coordinatorNow } from "../../clock/coordinator-clock.js";
import { downloadVerified } from "../../download/download.js";
import { appliedRecipeOf, applyRecipe } from "../../recipe/apply-recipe.js";
import { jobFromRelease, jobToRelease } from "../../state/agent-state.js";
import type { StepExecutor, StepResult } from "../engine-context.js";
import { windowWait } from "../window-gate.js";
import { decideStrategy, stepAfterPreHook } from "./hand-over-steps.js";
import {
  checkHealth,
  discardDownload,
  downloadPath,
  releaseDescriptor,
  runHook,
  serviceRelease,
} from "./step-helpers.js";

/** Download into downloads/, resuming a partial file; a definitive failure aborts the update. */
export const fetchStep: StepExecutor = async (input) => {
  const { ctx, job } = input;
  const deadline = Date.parse(job.startedAt) + ctx.config.timeouts.downloadSeconds * 1000;
  // The CA the broker link pins also signs the coordinator's https:// pack URLs.
  const ca = ctx.config.ca === undefined ? undefined : await readFile(ctx.config.ca, "utf8");
  const result = await downloadVerified(
    {
      url: job.artifact.url,
      sha256: job.artifact.sha256,
      size: job.artifact.size,
      destPath: downloadPath(input),
      deadline,
    },
    {
      now: () => ctx.clock.now(),
      sleep: (ms, signal) => ctx.clock.sleep(ms, signal),
      random: ctx.random,
      signal: input.signal,
      log: ctx.log,
      ...(ca === undefined ? {} : { tls: { ca } }),
      onProgress: (progress) => {
        input.record.progress = Math.floor(progress.percent);
        // A failed save here is retried before the next step (see Reconciler).
        ctx.reporter.reportStatus().catch(() => undefined);
      },
    },
  );
  if (result.ok) return { kind: "next", step: "unpack" };
  if (result.kind === "aborted") return { kind: "cancelled" };
  return { kind: "abort", reason: `download failed: ${result.reason}` };
};

/** Extract into a fresh staging folder, check the descriptor, then move it into releases/. */
export const unpackStep: StepExecutor = async (input) => {
  const { ctx, job, layout, fn } = input;
  await layout.removeLeftovers();
  const staging = layout.newStagingDir();
  await mkdir(layout.dir, { recursive: true });
  // Loaded on first use: tar costs ~6 MB of resident memory an idle agent does not need.
  const { extractPackSafely } = await import("@tillroll/protocol/node/extract");
  const extracted = await extractPackSafely(downloadPath(input), staging, {
    maxBytes: ctx.config.limits.maxPackBytes,
    maxEntries: ctx.config.limits.maxPackEntries,
  });
  if (!extracted.ok) return { kind: "abort", reason: `pack refused: ${extracted.reason}` };
  const descriptor = await readDescriptor(staging);
  const problem = descriptor.ok
    ? descriptorMismatch(descriptor.value, { name: fn, version: job.toVersion })
    : descriptor.error;
  if (problem !== null || !descriptor.ok) {
    await layout.removeLeftovers();
    return { kind: "abort", reason: `pack refused: ${problem}` };
  }
  // The recipe goes into the folder before it becomes a release; a key the
  // pack does not declare refuses the update (Rolled Back, nothing stopped).
  const recipe = await applyRecipe(staging, descriptor.value, job.recipe ?? null);
  if (!recipe.ok) {
    await layout.removeLeftovers();
    return { kind: "abort", reason: recipe.reason };
  }
  await decideStrategy(input, descriptor.value);
  // The target folder may hold an earlier copy of this version (a retry, or
  // the previous release when going back); it is never the active one here:
  // a reinstall of the active version gets a folder of its own (redeploy).
  await layout.installStaged(staging, jobToRelease(job));
  return { kind: "next", step: "await-ready" };
};

/**
 * Whether the update may start now: the maintenance window (re-checked: a
 * long Not Ready may have outlasted it; coordinator time), then the readiness
 * probes. A busy till defers (Not Ready), unless the request carries a drain
 * policy: then the drain asks the users to leave. Nothing is stopped here.
 */
export const awaitReadyStep: StepExecutor = async (input) => {
  const { ctx, job, fn } = input;
  if (job.window != null) {
    const now = coordinatorNow(ctx.clock.now(), ctx.store.state.clockOffsetMs);
    const wait = windowWait(job.window, now, ctx.config.minWindowMinutes);
    if (wait !== null) return { kind: "defer", reason: wait.reason };
  }
  const readiness = await input.ctx.checkReadiness(input.fn);
  const want = ctx.store.state.desired?.services[fn];
  const drains = want?.requestId === job.requestId && want.drain != null;
  if (!readiness.ready && !drains) return { kind: "defer", reason: readiness.reason };
  return { kind: "next", step: "drain" };
};

/**
 * beforeInstall under maintenance (switched on by the drain); a failing hook
 * aborts before anything is stopped. Then readiness once more, right before
 * the stop: a login the POS took while the hook ran (it had not seen
 * maintenance yet) wins: maintenance off, Not Ready, and the update starts
 * over from await-ready later (hooks are safe to run again).
 */
export const preHookStep: StepExecutor = async (input) => {
  const { ctx, job } = input;
  const descriptor = await releaseDescriptor(input, jobToRelease(job));
  if (typeof descriptor === "string") return { kind: "abort", reason: descriptor };
  const failure = await runHook(input, "beforeInstall", descriptor);
  if (failure !== null) return { kind: "abort", reason: failure };
  const readiness = await ctx.checkReadiness(input.fn);
  if (!readiness.ready) {
    job.drain = null;
    await ctx.reporter.setMaintenance(false, [], null);
    return { kind: "defer", reason: readiness.reason, step: "await-ready" };
  }
  return { kind: "next", step: stepAfterPreHook(input) };
};

export const stopStep: StepExecutor = async (input) => {
  await input.ctx.services.stop(input.fn);
  return { kind: "next", step: "switch" };
};

export const switchStep: StepExecutor = async (input) => {
  await input.layout.switchTo(jobToRelease(input.job));
  return { kind: "next", step: "post-hook" };
};

export const postHookStep: StepExecutor = async (input) => {
  const descriptor = await releaseDescriptor(input, jobToRelease(input.job));
  if (typeof descriptor === "string") return { kind: "rollback", reason: descriptor };
  const failure = await runHook(input, "afterInstall", descriptor);
  if (failure !== null) return { kind: "rollback", reason: failure };
  return { kind: "next", step: "start" };
};

export const startStep: StepExecutor = async (input) => {
  const { job, ctx, fn } = input;
  const descriptor = await releaseDescriptor(input, jobToRelease(job));
  if (typeof descriptor === "string") return { kind: "rollback", reason: descriptor };
  try {
    await ctx.services.start(fn, await serviceRelease(input, jobToRelease(job), descriptor));
  } catch (error) {
    return {
      kind: "rollback",
      reason: `start of ${job.toVersion} failed: ${(error as Error).message}`,
    };
  }
  return { kind: "next", step: "verify" };
};

export const verifyStep: StepExecutor = async (input) => {
  const { job } = input;
  const descriptor = await releaseDescriptor(input, jobToRelease(job));
  if (typeof descriptor === "string") return { kind: "rollback", reason: descriptor };
  const health = await checkHealth(input, jobToRelease(job), descriptor);
  if (!health.healthy)
    return {
      kind: "rollback",
      reason: `health check of ${job.toVersion} failed: ${health.reason}`,
    };
  return { kind: "next", step: "commit" };
};

/** Keep the new release and the one before it; everything older goes. */
export const commitStep: StepExecutor = async (input): Promise<StepResult> => {
  const { job, layout, ctx } = input;
  const previous = job.fromVersion;
  await layout.prune([jobToRelease(job), jobFromRelease(job)]);
  await discardDownload(input);
  await ctx.reporter.setMaintenance(false, [], null);
  // Issue 13: the status reports the recipe the active release was built with.
  input.record.recipe = appliedRecipeOf(job.recipe ?? null);
  return {
    kind: "end",
    status: "OK",
    reason: null,
    activeVersion: job.toVersion,
    previousVersion: previous,
    activeRelease: jobToRelease(job),
    previousRelease: jobFromRelease(job),
  };
};
