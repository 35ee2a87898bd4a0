import { err, ok, type Result } from "@tillroll/protocol";
import type { ServiceRow } from "../fleet/service-row.js";
import type { ScheduledMark } from "../fleet/status-table.js";
import { NO_NOTICES } from "../notices/notice-model.js";
import type { Blackout, ScheduledTasks } from "../schedules/schedule-model.js";
import { errorText } from "../setup/data-dir-error.js";
import { KnownReleases } from "./known-releases.js";
import { planOperation } from "./plan-operation.js";
import { planRelease } from "./plan-release.js";
import { missedStarts } from "./release-admission.js";
import { contextFrom } from "./release-context.js";
import { describeHistory, ReleaseEvents } from "./release-events.js";
import { candidatesOf, targetRows } from "./release-facts.js";
import { releaseMarks } from "./release-marks.js";
import type {
  CandidateRow,
  HistoryEntry,
  MemberObservation,
  PlanInput,
  ReleaseActor,
  ReleaseContext,
  ReleaseOperation,
  ReleasePlan,
  ReleaseRecord,
  ReleaseSend,
} from "./release-model.js";
import { RETRY_MS, ReleaseSchedule } from "./release-schedule.js";
import { ReleaseSender } from "./release-sender.js";
import type { ReleasePlanner, ReleaseRunnerDeps } from "./runner-deps.js";
import { RunnerNotices } from "./runner-notices.js";
import { ScheduledStarts } from "./scheduled-starts.js";

// The shapes it is built from live in runner-deps.ts; callers keep importing them from here.
export type { ReleasePlanner, ReleaseRunnerDeps } from "./runner-deps.js";

/** The runner's tick: due scheduled starts are looked for this often (injected clocks rely on it). */
const TICK_MS = 1_000;

/**
 * The release executor (issue 10): decisions are the pure planner's
 * (plan-release.ts, plan-operation.ts); this class reads the facts, saves
 * the release's new record durably BEFORE it applies any send, applies the
 * sends through the one desired-state applier, then emits the events.
 *
 * It plans a release again when a status report touches one of its rows
 * (coalesced: many reports, one plan on the next turn of the event loop; a
 * report is matched to its release through the member index, never by a
 * scan), at the plan's wakeAt, and after every operation. One evaluation at
 * a time per release (a promise chain each). On start it re-applies sends a
 * crash cut off between save and publish (request ids are deterministic, so
 * that is one request, not two).
 *
 * Its parts, each a file: KnownReleases (records, member index, soak),
 * ReleaseSender (the member send path and its repair), RunnerNotices (the
 * outbox, and the task.planned marker), ReleaseSchedule (chains, coalescing,
 * wakes), ScheduledStarts (issue 11's timers, tick and blackout cancels).
 */
export class ReleaseRunner implements ScheduledTasks {
  readonly events: ReleaseEvents;
  /** The planner's issue-11 facts, read through the deps at plan time. */
  readonly context: ReleaseContext;
  private readonly notices: RunnerNotices;
  /** Issue 11: scheduled starts (timers, the tick, blackouts' cancels). */
  private readonly starts: ScheduledStarts;
  private readonly known: KnownReleases;
  private readonly sender: ReleaseSender;
  private readonly schedule: ReleaseSchedule;
  private readonly planner: ReleasePlanner;
  /** Set by publishPendingNotices: markers are published again once per runner. */
  private pendingPublished: Promise<void> | null = null;

  constructor(private readonly deps: ReleaseRunnerDeps) {
    this.events = new ReleaseEvents(deps.log);
    this.planner = deps.planner ?? { planRelease, planOperation };
    this.schedule = new ReleaseSchedule((id) => this.evaluateNow(id), deps.now, deps.log);
    this.notices = new RunnerNotices({ ...deps, notices: deps.notices ?? NO_NOTICES });
    this.known = new KnownReleases(deps.releases, deps.fleet);
    this.sender = new ReleaseSender(deps);
    this.context = contextFrom(deps);
    this.starts = new ScheduledStarts({
      records: () => this.known.all(),
      operate: (id, operation, actor) => this.operate(id, operation, actor),
      targetRows: (spec) => targetRows(deps.fleet, spec),
      context: this.context,
      now: deps.now,
      log: deps.log,
      tickMs: deps.tickMs ?? TICK_MS,
    });
  }

  /**
   * Publishes the task.planned notices a stop between a release's creation
   * and its publish left owed (runner-notices.ts). `start` does it first;
   * the coordinator calls it earlier still, before it answers requests, so
   * that nothing is published before them. Once per runner.
   */
  publishPendingNotices(): Promise<void> {
    this.pendingPublished ??= this.notices.publishPending();
    return this.pendingPublished;
  }

  /**
   * Loads every release: owed notices go out first, active ones hold their
   * rows again, their OK rows start their soak now, sends a crash cut off
   * are applied again; then every Running release is planned.
   */
  async start(): Promise<void> {
    await this.publishPendingNotices();
    const releases = await this.deps.releases.list();
    // Scheduled tasks whose time passed while the coordinator was down.
    const missed = missedStarts(releases, this.deps.now());
    // Every release is known (and holds its rows) before anything else can ask.
    for (const release of releases) this.known.remember(release);
    const started = releases.map((release) =>
      // In the release's chain: an operation asked for meanwhile waits for this.
      this.schedule.serially(release.id, async () => {
        await this.known.observeMembers(release, this.deps.now());
        // A send that cannot go out now (a publish refused) is tried again with the next plan.
        await this.sender.recover(release).catch((error: unknown) => {
          this.deps.log(`release ${release.id}: sends not applied again: ${errorText(error)}`);
          this.sender.needsRepair(release.id);
          this.schedule.wakeAt(release.id, this.deps.now() + RETRY_MS);
        });
      }),
    );
    await Promise.all(started);
    await Promise.all(
      releases.filter((r) => r.state === "Running").map((r) => this.evaluate(r.id)),
    );
    await this.starts.start(releases, missed);
  }

  /** Stops timers and waits for evaluations under way; nothing is planned afterwards. */
  async close(): Promise<void> {
    await this.starts.close();
    await this.schedule.close();
  }

  /** The runner's tick: starts every task due now (see ScheduledStarts.startDue). */
  startDue(missed: ReadonlySet<string> = new Set()): Promise<void> {
    return this.starts.startDue(missed);
  }

  /** ScheduledTasks (schedule-model.ts): see ScheduledStarts.cancelOverlapping. */
  cancelOverlapping(
    blackout: Blackout,
    who: string,
  ): Promise<readonly { id: string; name: string; createdBy: string; at: string }[]> {
    return this.starts.cancelOverlapping(blackout, who);
  }

  /** The rows of a task's target now (creation checks: downgrade, blackouts, notices). */
  targetRows(spec: ReleaseRecord["spec"]): Promise<CandidateRow[]> {
    return targetRows(this.deps.fleet, spec);
  }

  /** The status overview's `scheduled` marker (scheduled-mark.ts), over the releases now. */
  scheduledMarks(): (row: ServiceRow) => ScheduledMark | null {
    return releaseMarks(
      [...this.known.all()],
      (key) => this.known.holding(key),
      this.context,
      this.deps.now(),
    );
  }

  /**
   * Rows a status report was recorded as: each member row updates its soak
   * at once (a Failed report between two OK ones breaks it), and its release
   * is planned on the next turn of the event loop, once for all reports.
   */
  onRows(rows: readonly ServiceRow[]): void {
    if (this.schedule.closed) return;
    const now = this.deps.now();
    for (const row of rows) {
      const holder = this.known.reported(row, now);
      if (holder !== undefined) this.schedule.markDirty(holder);
    }
  }

  /** The active release holding a row, for set-preferred / retry (OperationsDeps.releaseHolding). */
  holding(key: string): { id: string; name: string } | undefined {
    return this.known.holding(key);
  }

  /** Plans a release again (queued behind the one under way; coalesced with one not yet begun). */
  evaluate(id: string): Promise<void> {
    return this.schedule.evaluate(id);
  }

  /**
   * A new release (Ready or Scheduled, stored with its task.planned owed)
   * was stored: the runner knows of it from now on; its task.planned notice
   * goes to the outbox and its marker is cleared (in its chain, so no plan
   * saves the record with the marker again), its timer is armed, and a task
   * due now (immediately, window) is started, after any due earlier.
   * Resolves with warnings for the creator: a notice that could not be
   * published stays owed (published at the next start), the task stands.
   */
  async created(release: ReleaseRecord, rows?: readonly CandidateRow[]): Promise<string[]> {
    this.known.remember(release);
    this.logHistory(release, release.history);
    const warnings: string[] = [];
    await this.schedule
      .serially(release.id, async () => {
        const current = (await this.known.record(release.id)) ?? release;
        this.known.remember(await this.notices.publishOwed(current, rows));
      })
      .catch((error: unknown) => {
        warnings.push(
          `task.planned notice not published yet (${errorText(error)}): it is published when the coordinator starts next`,
        );
      });
    this.starts.arm(release);
    if (release.spec.schedule !== null) await this.startDue();
    return warnings;
  }

  /**
   * An operator's operation: planned on the release as it is now, in its
   * chain, then carried out like a runner's plan (saved, applied, events).
   * A refusal is the planner's sentence; nothing changed.
   */
  operate(
    id: string,
    operation: ReleaseOperation,
    actor: ReleaseActor,
  ): Promise<Result<{ release: ReleaseRecord; sends: readonly ReleaseSend[] }>> {
    return this.schedule.serially(id, async () => {
      const release = await this.known.record(id);
      if (release === undefined) return err(`no release task ${id}`);
      await this.sender.repairIfNeeded(release);
      const input = await this.inputFor(release);
      const { planOperation } = this.planner;
      let planned = planOperation(input, operation, actor);
      if (planned.ok && planned.value.needsCandidates)
        planned = planOperation(
          { ...input, candidates: await candidatesOf(this.deps.fleet, release) },
          operation,
          actor,
        );
      if (!planned.ok) return planned;
      await this.carryOut(release, planned.value);
      // Whatever the operation left to do (a stage that needs its rows read) is planned next.
      if (planned.value.release.state === "Running") this.schedule.markDirty(id);
      return ok({ release: planned.value.release, sends: planned.value.sends });
    });
  }

  /** What the planner and the views see of each member row now (KnownReleases.observer). */
  observer(release: ReleaseRecord): Promise<(key: string) => MemberObservation | undefined> {
    return this.known.observer(release, this.deps.now());
  }

  private async evaluateNow(id: string): Promise<void> {
    if (this.schedule.closed) return;
    const release = await this.known.record(id);
    if (release === undefined) return;
    await this.sender.repairIfNeeded(release);
    if (release.state !== "Running") {
      this.schedule.clearWake(id);
      return;
    }
    const input = await this.inputFor(release);
    const { planRelease } = this.planner;
    let plan = planRelease(input);
    if (plan.needsCandidates)
      plan = planRelease({ ...input, candidates: await candidatesOf(this.deps.fleet, release) });
    await this.carryOut(release, plan);
  }

  /**
   * Save, then send, then tell: the new record is durable before any desired
   * document goes out (a failed save sends nothing and leaves the release as
   * it was); a failed send is applied again from the saved record.
   */
  private async carryOut(before: ReleaseRecord, plan: ReleasePlan): Promise<void> {
    const after = plan.release;
    // Notices first (idempotent keys): a crash before the save re-plans and re-publishes the same.
    await this.notices.forPlan(before, after, plan.events);
    if (plan.changed) await this.deps.releases.save(after);
    if (after.state !== "Scheduled") this.starts.disarm(after.id);
    this.known.remember(after);
    this.logHistory(after, after.history.slice(before.history.length));
    if (plan.sends.length > 0) {
      try {
        await this.sender.send(after, plan.sends);
      } catch (error) {
        // Saved but maybe not sent: the next evaluation re-applies what is missing.
        this.sender.needsRepair(after.id);
        this.schedule.wakeAt(after.id, this.deps.now() + RETRY_MS);
        throw error;
      }
    }
    for (const event of plan.events) this.events.emit(event);
    if (after.state === "Running" && plan.wakeAt !== null)
      this.schedule.wakeAt(after.id, plan.wakeAt);
    else if (after.state !== "Running") this.schedule.clearWake(after.id);
  }

  private async inputFor(release: ReleaseRecord): Promise<PlanInput> {
    return {
      release,
      observe: await this.observer(release),
      candidates: null,
      heldBy: (key) => this.known.heldByOther(key, release.id),
      packs: await this.deps.packsOf(release.spec.function),
      now: this.deps.now(),
      context: this.context,
    };
  }

  private logHistory(release: ReleaseRecord, entries: readonly HistoryEntry[]): void {
    for (const entry of entries) this.deps.log(describeHistory(release.id, entry));
  }
}
