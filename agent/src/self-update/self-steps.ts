import { access } from "node:fs/promises";
import { join } from "node:path";
import { coordinatorNow } from "../clock/coordinator-clock.js";
import type { StepExecutor, StepInput, StepResult } from "../engine/engine-context.js";
import type { JobStep } from "../engine/journal.js";
import { discardDownload, keptVersions } from "../engine/steps/step-helpers.js";
import { windowWait } from "../engine/window-gate.js";
import { jobFromRelease, jobToRelease, previousReleaseOf } from "../state/agent-state.js";
import { HandoverFiles } from "./handover-files.js";
import { probeAgent } from "./probe.js";
import {
  AGENT_BUNDLE_FILE,
  agentRootOf,
  SELF_FUNCTION,
  SELF_UNCONFIRMED_EXIT_CODE,
} from "./self-function.js";
import { describeLauncherRollback, handOverAction } from "./self-update-plan.js";

/**
 * The steps of an update of the agent itself (function `tillroll-agent`),
 * under the journal's usual step names so crash recovery and the status
 * phases work unchanged. Download and unpack are the common steps; then:
 *
 *   await-ready  the maintenance window only (no readiness, no maintenance:
 *                the services keep running across an agent restart)
 *   pre-hook     probe: `node <new>/tillroll-agent.mjs self-test`; failure aborts
 *                (Rolled Back, the old agent untouched)
 *   switch       journal the hand-over for the launcher (pending-confirm)
 *   start        old agent: point `current` at the new release and exit 75;
 *                new agent: go on to verify; old agent again after the
 *                launcher went back: Rolled Back with the launcher's reason
 *   verify       new agent: connected and up for confirmSeconds -> commit;
 *                not confirmed by confirmTimeoutSeconds: exit 69 (the
 *                launcher counts it and, at its limit, goes back)
 *   commit       keep new + old release, OK (presence says the new version)
 */
function files(input: StepInput): HandoverFiles {
  return new HandoverFiles(agentRootOf(input.ctx.config.root));
}

/** Resolves once `signal` aborts (the agent is stopping to hand over). */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true }),
  );
}

const selfAwaitReady: StepExecutor = async ({ ctx, job }) => {
  if (job.window != null) {
    const now = coordinatorNow(ctx.clock.now(), ctx.store.state.clockOffsetMs);
    const wait = windowWait(job.window, now, ctx.config.minWindowMinutes);
    if (wait !== null) return { kind: "defer", reason: wait.reason };
  }
  return { kind: "next", step: "pre-hook" };
};

const selfProbe: StepExecutor = async (input) => {
  const { ctx, job, layout, signal } = input;
  const host = ctx.selfUpdate;
  const from = jobFromRelease(job);
  if (host === undefined || host.runningRelease === null || host.runningRelease !== from)
    return {
      kind: "abort",
      reason: `self-update needs the agent started by tillroll-agent-launcher from ${layout.currentLink} (this agent runs from ${host?.runningRelease ?? "elsewhere"})`,
    };
  const release = layout.releaseDir(jobToRelease(job));
  const bundle = join(release, AGENT_BUNDLE_FILE);
  try {
    await access(bundle);
  } catch {
    return { kind: "abort", reason: `pack refused: it holds no ${AGENT_BUNDLE_FILE}` };
  }
  ctx.log(`${input.fn}: probing ${job.toVersion} (self-test)`);
  const probe = await probeAgent({
    bundle,
    configPath: host.configPath,
    timeoutMs: host.probeTimeoutMs,
    cwd: release,
    signal,
  });
  // The agent is stopping: the probe was cut short, not failed; the next run
  // retries the update from the start (pre-hook comes before the switch).
  if (signal.aborted) return { kind: "cancelled" };
  if (!probe.ok) return { kind: "abort", reason: `self-test of ${job.toVersion} ${probe.reason}` };
  ctx.log(`${input.fn}: ${job.toVersion} passed its self-test (${probe.summary})`);
  return { kind: "next", step: "switch" };
};

const selfSwitch: StepExecutor = async (input) => {
  const from = jobFromRelease(input.job) ?? "-";
  await files(input).markPending({ from, to: jobToRelease(input.job) });
  return { kind: "next", step: "start" };
};

const selfStart: StepExecutor = async (input): Promise<StepResult> => {
  const { ctx, job, layout, signal, fn } = input;
  const from = jobFromRelease(job);
  const to = jobToRelease(job);
  const action = handOverAction({
    running: ctx.selfUpdate?.runningRelease ?? null,
    from,
    to,
    launcherRollback: await files(input).launcherRollback(),
  });
  switch (action.kind) {
    case "confirm":
      return { kind: "next", step: "verify" };
    case "hand-over":
      await layout.switchTo(to);
      ctx.log(`${fn}: current -> ${to}; exiting so the launcher starts ${job.toVersion}`);
      ctx.selfUpdate?.requestRestart(`handing over to ${job.toVersion}`);
      await aborted(signal);
      return { kind: "cancelled" };
    case "rolled-back":
      if (from !== null && (await layout.currentRelease()) !== from) await layout.switchTo(from);
      return endSelf(input, "Rolled Back", describeLauncherRollback(action.record, job.toVersion));
    case "rollback":
      return { kind: "rollback", reason: action.reason };
  }
};

const selfConfirm: StepExecutor = async ({ ctx, job, signal }) => {
  const host = ctx.selfUpdate;
  if (host === undefined) return { kind: "rollback", reason: "no agent process to confirm" };
  // Confirmed once this agent has its state, is connected and has stayed up
  // confirmSeconds: one that dies soon after its start is caught by the launcher.
  // One that cannot confirm by confirmTimeoutSeconds (no broker) exits non-zero,
  // so the launcher counts it like a crash instead of it staying In Progress.
  while (!(host.connected() && ctx.clock.now() - host.startedAt >= host.confirmSeconds * 1000)) {
    if (signal.aborted) return { kind: "cancelled" };
    if (ctx.clock.now() - host.startedAt >= host.confirmTimeoutSeconds * 1000) {
      const reason = `${job.toVersion} could not confirm within ${host.confirmTimeoutSeconds} s (${host.connected() ? "connected too briefly" : "no broker connection"}); exiting with code ${SELF_UNCONFIRMED_EXIT_CODE} for the launcher`;
      ctx.log(`${SELF_FUNCTION}: ${reason}`);
      host.giveUp(reason);
      await aborted(signal);
      return { kind: "cancelled" };
    }
    await ctx.clock.sleep(200, signal).catch(() => undefined);
  }
  return { kind: "next", step: "commit" };
};

const selfCommit: StepExecutor = async (input) => {
  const { job, layout } = input;
  await layout.prune([jobToRelease(job), jobFromRelease(job)]);
  await discardDownload(input);
  await files(input).clear();
  return {
    kind: "end",
    status: "OK",
    reason: null,
    activeVersion: job.toVersion,
    previousVersion: job.fromVersion,
    activeRelease: jobToRelease(job),
    previousRelease: jobFromRelease(job),
  };
};

/** Before the switch: discard the new release; the old agent never stopped. */
const selfAbort: StepExecutor = async (input) => {
  await input.layout.removeLeftovers();
  return endSelf(input, "Rolled Back", input.job.failure ?? "update failed");
};

const selfRollbackSwitch: StepExecutor = async (input) => {
  const from = jobFromRelease(input.job);
  if (from !== null) await input.layout.switchTo(from);
  return { kind: "next", step: "rollback-start" };
};

/** After an error past the switch: the agent of the old release must be the one running. */
const selfRollbackStart: StepExecutor = async (input) => {
  const { ctx, job, signal } = input;
  const from = jobFromRelease(job);
  if (from !== null && ctx.selfUpdate?.runningRelease !== from) {
    ctx.selfUpdate?.requestRestart(`rolling back to ${job.fromVersion}`);
    await aborted(signal);
    return { kind: "cancelled" };
  }
  return { kind: "next", step: "rollback-verify" };
};

const selfRollbackVerify: StepExecutor = async (input) =>
  endSelf(input, "Rolled Back", input.job.failure ?? "update failed");

async function endSelf(
  input: StepInput,
  status: "Rolled Back",
  reason: string,
): Promise<StepResult> {
  await input.layout.prune([jobFromRelease(input.job), previousReleaseOf(input.record)]);
  await discardDownload(input);
  await files(input).clear();
  return { kind: "end", status, reason, ...keptVersions(input) };
}

const next =
  (step: JobStep): StepExecutor =>
  async () => ({ kind: "next", step });

/**
 * The self function's executors; steps not listed (fetch, unpack) are the
 * common ones. A service-touching step of the common engine never runs for
 * the agent itself.
 */
export const SELF_STEP_EXECUTORS: Partial<Record<JobStep, StepExecutor>> = Object.freeze({
  "await-ready": selfAwaitReady,
  "pre-hook": selfProbe,
  stop: next("switch"),
  switch: selfSwitch,
  "post-hook": next("start"),
  start: selfStart,
  verify: selfConfirm,
  commit: selfCommit,
  "rollback-stop": next("rollback-switch"),
  "rollback-switch": selfRollbackSwitch,
  "rollback-start": selfRollbackStart,
  "rollback-verify": selfRollbackVerify,
  abort: selfAbort,
});
