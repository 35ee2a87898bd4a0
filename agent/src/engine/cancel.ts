import { FunctionLayout } from "../release/release-layout.js";
import { activeReleaseOf, previousReleaseOf } from "../state/agent-state.js";
import type { EngineContext } from "./engine-context.js";
import { startActiveRelease } from "./start-active.js";
import { discardDownloadFile, downloadPathFor } from "./steps/step-helpers.js";

/**
 * Drops a job that has not touched the running service (planService only
 * cancels such jobs): removes staging and the unused release, and the
 * download unless the next request wants the same pack.
 */
export async function cancelJob(
  ctx: EngineContext,
  fn: string,
  reason: string,
  keepSha256: string | null,
): Promise<void> {
  const record = ctx.store.state.services[fn];
  const job = record?.job;
  if (record === undefined || job === null || job === undefined) return;
  ctx.log(
    `${fn}: update ${job.requestId} to ${job.toVersion} cancelled at ${job.step} (${reason})`,
  );
  const layout = new FunctionLayout(ctx.config.root, fn);
  await layout.removeLeftovers();
  await layout.prune([activeReleaseOf(record), previousReleaseOf(record)]);
  if (job.artifact.sha256 !== keepSha256)
    await discardDownloadFile(downloadPathFor(ctx.config.state, job.artifact.sha256));
  record.job = null;
  record.progress = null;
  await ctx.store.save();
  // Dropped while draining: the POS admits logins again.
  if (ctx.reporter.updateMaintenanceOn) await ctx.reporter.setMaintenance(false, [], null);
  // The old version never stopped; after a restart it may need starting.
  const active = activeReleaseOf(record);
  if (active !== null && !ctx.services.isRunning(fn)) await startActiveRelease(ctx, fn, active);
}
