import { SELF_FUNCTION } from "../self-update/self-function.js";
import type { EngineContext } from "./engine-context.js";
import { serviceReleaseOf } from "./steps/step-helpers.js";

/** Starts a function's active release folder (at boot, or after a cancelled update). */
export async function startActiveRelease(
  ctx: EngineContext,
  fn: string,
  releaseName: string,
): Promise<void> {
  // The agent's own release runs as this process, never as a service.
  if (fn === SELF_FUNCTION) return;
  const release = await serviceReleaseOf(ctx.config.root, fn, releaseName);
  if (typeof release === "string") return ctx.log(`${fn}: cannot start ${releaseName}: ${release}`);
  try {
    await ctx.services.start(fn, release);
  } catch (error) {
    ctx.log(`${fn}: start of ${releaseName} failed: ${(error as Error).message}`);
  }
}
