import type { Phase } from "@tillroll/protocol";
import type { ServiceRecord } from "../state/agent-state.js";

/**
 * The named steps of one update, in order. The agent records a step in the
 * journal (fsync'd) *before* it takes it, so after a crash the journal says
 * exactly which step may have been half done, and every step is written to
 * be safe to run again.
 */
export const FORWARD_STEPS = [
  "fetch", // download into downloads/, resumable
  "unpack", // extract into a fresh staging folder
  "await-ready", // window and readiness probes; Not Ready waits here
  "drain", // maintenance on, the POS's acknowledgement, notices countdown (drain-step.ts)
  "pre-hook", // beforeInstall hook under maintenance, readiness once more (the old version still runs)
  "stop", // stop the old service
  "switch", // current -> releases/<new> (atomic rename of a symlink)
  "post-hook", // afterInstall hook
  "start", // start the new release
  "verify", // health check
  "commit", // keep current + previous, prune older, report OK
] as const;

/** Undoing a switched update: back to the previous release. */
export const ROLLBACK_STEPS = [
  "rollback-stop",
  "rollback-switch",
  "rollback-start",
  "rollback-verify",
] as const;

/** Ending an update before anything was stopped: discard the download and staging. */
export const ABORT_STEPS = ["abort"] as const;

/**
 * Descriptor strategy "hand-over" (process service manager): after pre-hook
 * the new instance starts beside the old one (afterInstall first), is
 * health-checked, and only then `current` moves and the old one stops; then
 * commit. A failure before promote stops the new instance and aborts: the old
 * one never stopped (Rolled Back). See steps/hand-over-steps.ts.
 */
export const HAND_OVER_STEPS = ["start-next", "verify-next", "promote"] as const;

export type ForwardStep = (typeof FORWARD_STEPS)[number];
export type RollbackStep = (typeof ROLLBACK_STEPS)[number];
export type HandOverStep = (typeof HAND_OVER_STEPS)[number];
export type JobStep = ForwardStep | RollbackStep | HandOverStep | (typeof ABORT_STEPS)[number];

/**
 * Steps from which a job must run to its end: the beforeInstall hook may
 * already have told users or changed data, and from "stop" on the old
 * version is no longer running untouched.
 */
const TOUCHES_SERVICE: ReadonlySet<JobStep> = new Set<JobStep>([
  "pre-hook",
  "stop",
  "switch",
  "post-hook",
  "start",
  "verify",
  "commit",
  ...ROLLBACK_STEPS,
  ...HAND_OVER_STEPS,
]);

/** Whether the job may still be dropped without touching the running service. */
export function isCancellable(step: JobStep): boolean {
  return !TOUCHES_SERVICE.has(step) && step !== "abort";
}

export function isHandOverStep(step: JobStep): boolean {
  return (HAND_OVER_STEPS as readonly JobStep[]).includes(step);
}

export function nextForwardStep(step: ForwardStep): ForwardStep | null {
  const index = FORWARD_STEPS.indexOf(step);
  return FORWARD_STEPS[index + 1] ?? null;
}

export function nextRollbackStep(step: RollbackStep): RollbackStep | null {
  const index = ROLLBACK_STEPS.indexOf(step);
  return ROLLBACK_STEPS[index + 1] ?? null;
}

/** What the status shows while a step runs. */
export const STEP_PHASE: Readonly<Record<JobStep, Phase>> = {
  fetch: "downloading",
  unpack: "extracting",
  "await-ready": "checking",
  drain: "draining",
  "pre-hook": "installing",
  stop: "stopping",
  switch: "installing",
  "post-hook": "installing",
  start: "starting",
  verify: "health-check",
  commit: "health-check",
  "rollback-stop": "rolling-back",
  "rollback-switch": "rolling-back",
  "rollback-start": "rolling-back",
  "rollback-verify": "rolling-back",
  abort: "rolling-back",
  "start-next": "starting",
  "verify-next": "health-check",
  promote: "stopping",
};

export type { Job, ServiceRecord } from "../state/agent-state.js";

export function phaseOf(record: ServiceRecord): Phase | null {
  if (record.job === null || record.status !== "In Progress") return null;
  return STEP_PHASE[record.job.step];
}
