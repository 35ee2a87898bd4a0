import type { Result } from "@tillroll/protocol";
import nodeSchedule from "node-schedule";
import type { Blackout } from "../schedules/schedule-model.js";
import { errorText } from "../setup/data-dir-error.js";
import { blackoutCancels, dueStarts, groupsOf } from "./release-admission.js";
import { blackoutOver, blackoutRefusal } from "./release-context.js";
import {
  type CandidateRow,
  type ReleaseActor,
  type ReleaseContext,
  type ReleaseOperation,
  type ReleaseRecord,
  type ReleaseSpec,
  RUNNER,
} from "./release-model.js";

/**
 * When release tasks start by their schedule (issue 11): a node-schedule
 * job per Scheduled task (armed on create and again at coordinator start),
 * and a tick that starts whatever is due by the runner's clock (so an
 * injected clock works too); due starts one at a time, earliest due first,
 * then by id. A start missed while the coordinator was down runs at once
 * (logged so) unless a blackout covers now, which cancels it naming the
 * blackout. Blackouts added later cancel the Scheduled tasks they overlap
 * (cancelOverlapping). Starts and cancels go through the runner's
 * operations: planned, saved, notified like any other.
 */
export interface ScheduledStartsDeps {
  readonly records: () => Iterable<ReleaseRecord>;
  readonly operate: (
    id: string,
    operation: ReleaseOperation,
    actor: ReleaseActor,
  ) => Promise<Result<unknown>>;
  readonly targetRows: (spec: ReleaseSpec) => Promise<CandidateRow[]>;
  readonly context: ReleaseContext;
  readonly now: () => number;
  readonly log: (message: string) => void;
  readonly tickMs: number;
}

export class ScheduledStarts {
  /** node-schedule jobs of Scheduled tasks (one each), cancelled on close. */
  private readonly jobs = new Map<string, nodeSchedule.Job>();
  private tickTimer: NodeJS.Timeout | null = null;
  /** Due starts run one pass at a time, in order (due time, then id). */
  private dueChain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: ScheduledStartsDeps) {}

  /** After the runner loaded its releases: timers armed, missed starts run, the tick begins. */
  async start(releases: readonly ReleaseRecord[], missed: ReadonlySet<string>): Promise<void> {
    for (const release of releases) this.arm(release);
    await this.startDue(missed);
    if (this.closed) return;
    const timer = setInterval(() => void this.startDue(), this.deps.tickMs);
    timer.unref();
    this.tickTimer = timer;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    for (const job of this.jobs.values()) job.cancel();
    this.jobs.clear();
    await this.dueChain;
  }

  /**
   * The runner's tick: starts every task due now (schedule immediately or
   * window right after creation, at when its time has come), earliest due
   * first, then by id, one after the other. A task whose start a blackout
   * covers now is cancelled naming it. Called by the timers, the tick, and
   * after a creation; tests with an injected clock call it too.
   */
  startDue(missed: ReadonlySet<string> = new Set()): Promise<void> {
    const pass = this.dueChain.then(async () => {
      if (this.closed) return;
      for (const due of dueStarts(this.deps.records(), this.deps.now(), missed)) {
        if (this.closed) return;
        await this.startOne(due.id, due.reason).catch((error: unknown) =>
          this.deps.log(`release ${due.id}: not started by its schedule: ${errorText(error)}`),
        );
      }
    });
    this.dueChain = pass.catch(() => undefined);
    return pass;
  }

  private async startOne(id: string, reason: string): Promise<void> {
    const release = [...this.deps.records()].find((r) => r.id === id);
    if (release === undefined) return;
    if (reason.startsWith("start missed")) this.deps.log(`release ${id}: ${reason}`);
    const rows = await this.deps.targetRows(release.spec);
    const blackout = blackoutOver(this.deps.context, groupsOf(rows), this.deps.now());
    const actor = { name: RUNNER, approvalRefused: null, platformAdmin: true };
    const outcome =
      blackout === undefined
        ? await this.deps.operate(id, { kind: "start", reason }, actor)
        : await this.deps.operate(
            id,
            {
              kind: "cancel",
              reason: `not started: ${blackoutRefusal(blackout).replace(/^refused: /, "")}`,
            },
            actor,
          );
    if (!outcome.ok) this.deps.log(`release ${id}: not started by its schedule: ${outcome.error}`);
  }

  /** Arms a Scheduled task's node-schedule timer (a past time: the next tick starts it). */
  arm(release: ReleaseRecord): void {
    const schedule = release.spec.schedule;
    if (release.state !== "Scheduled" || schedule?.mode !== "at" || this.jobs.has(release.id))
      return;
    const job = nodeSchedule.scheduleJob(new Date(Date.parse(schedule.at)), () => {
      this.jobs.delete(release.id);
      void this.startDue();
    });
    if (job !== null && !this.closed) this.jobs.set(release.id, job);
    else job?.cancel();
  }

  disarm(id: string): void {
    this.jobs.get(id)?.cancel();
    this.jobs.delete(id);
  }

  /**
   * ScheduledTasks (schedule-model.ts), for the schedules side when a
   * blackout is added: cancels every Scheduled task whose time lies inside
   * it and whose rows it covers, forced ones too (the admin's act); each
   * cancel is durable and its task.cancelled notice in the outbox before
   * this resolves.
   */
  async cancelOverlapping(
    blackout: Blackout,
    who: string,
  ): Promise<readonly { id: string; name: string; createdBy: string; at: string }[]> {
    const cancelled: { id: string; name: string; createdBy: string; at: string }[] = [];
    const scheduled = [...this.deps.records()]
      .filter((r) => r.state === "Scheduled")
      .sort((a, b) => Number(a.id) - Number(b.id));
    for (const release of scheduled) {
      const rows = await this.deps.targetRows(release.spec);
      if (!blackoutCancels(release, groupsOf(rows), blackout)) continue;
      const reason = `cancelled by ${who}: blackout ${blackout.id} (${blackout.reason}, ${blackout.from} to ${blackout.to}) covers its start`;
      const outcome = await this.deps.operate(
        release.id,
        { kind: "cancel", reason },
        { name: who, approvalRefused: null, platformAdmin: true },
      );
      if (!outcome.ok) {
        this.deps.log(
          `release ${release.id}: not cancelled for blackout ${blackout.id}: ${outcome.error}`,
        );
        continue;
      }
      const at = (release.spec.schedule as { at: string }).at;
      cancelled.push({
        id: release.id,
        name: release.spec.name,
        createdBy: release.createdBy,
        at: new Date(Date.parse(at)).toISOString(),
      });
    }
    return cancelled;
  }
}
