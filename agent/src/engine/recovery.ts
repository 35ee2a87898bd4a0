import type { JobStep } from "./journal.js";

/**
 * What to do with an update the agent finds in its journal at start-up (it
 * crashed, or the till lost power). Pure: decided from the step the journal
 * recorded and where `current` really points.
 *
 * - Before the switch took effect, nothing changed on disk that matters: the
 *   old release is still `current`. Clean up and retry from the download
 *   (which resumes), after starting the old version again.
 * - After the switch, the new release is `current`: carry on from the
 *   recorded step, which health-checks it and commits or rolls back.
 * - Rolling back or aborting: finish that.
 */
export type Recovery =
  | { kind: "retry"; reason: string }
  | { kind: "resume"; step: JobStep; reason: string };

const BEFORE_SWITCH: ReadonlySet<JobStep> = new Set<JobStep>([
  "fetch",
  "unpack",
  "await-ready",
  "drain", // job.drain (the countdown's deadline) is kept across the retry
  "pre-hook",
  "stop",
  // Hand-over before promote: the old instance still runs from `current`; the
  // new one (its own pid file) is ended as an orphan, then the job retries.
  "start-next",
  "verify-next",
]);

export function decideRecovery(
  /** toRelease: the folder the job installs into (absent: toVersion). */
  job: { step: JobStep; toVersion: string; toRelease?: string | undefined },
  /** The release folder `current` points at. */
  currentRelease: string | null,
): Recovery {
  if (BEFORE_SWITCH.has(job.step)) {
    return {
      kind: "retry",
      reason: `interrupted at ${job.step}, before the switch: cleaned up, retrying`,
    };
  }
  if (
    (job.step === "switch" || job.step === "promote") &&
    currentRelease !== (job.toRelease ?? job.toVersion)
  ) {
    return {
      kind: "retry",
      reason: "interrupted at switch before current moved: cleaned up, retrying",
    };
  }
  const step = RESTART_FROM[job.step] ?? job.step;
  const where = step === job.step ? "resuming there" : `resuming at ${step}`;
  return { kind: "resume", step, reason: `interrupted at ${job.step}: ${where}` };
}

/**
 * A step that assumes the service runs resumes at the step that starts it.
 * At boot the service a crashed agent left running is adopted when it runs
 * `current` (boot.ts), and starting the release that already runs is a no-op
 * (ServiceManager.start): so a service that survived the crash is neither
 * started twice nor health-checked as dead, and one that died with the agent
 * (or never got going) is started before its health check. A health check of
 * nothing would otherwise commit (or keep) a dead release.
 */
const RESTART_FROM: Partial<Record<JobStep, JobStep>> = {
  verify: "start",
  commit: "start",
  "rollback-verify": "rollback-start",
  // Hand-over cut off after `current` moved: start the new release (the old
  // instance no longer runs `current`), health-check it, commit.
  promote: "start",
};

/** Whether the service should be started from `current` at start-up, before any job resumes. */
export function startsOldVersionAtBoot(recovery: Recovery | null): boolean {
  return recovery === null || recovery.kind === "retry";
}
