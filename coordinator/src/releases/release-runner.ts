import {
  err,
  nextSpan,
  ok,
  type PackVersionInfo,
  type Result,
  windowDeadline,
} from "@tillroll/protocol";
import { rowKey, type ServiceRow } from "../fleet/service-row.js";
import type { ScheduledMark } from "../fleet/status-table.js";
import { NO_NOTICES, type NoticePublisher } from "../notices/notice-model.js";
import type { DesiredRowChange } from "../operations/apply-desired.js";
import type { Blackout, ScheduledTasks, ScheduleFacts } from "../schedules/schedule-model.js";
import { errorText } from "../setup/data-dir-error.js";
import type { DesiredStore } from "../store/desired-store.js";
import type { FleetRows } from "../store/fleet-rows.js";
import type { ReleaseStore } from "../store/release-store.js";
import { MemberIndex } from "./member-index.js";
import { OkTracker } from "./ok-tracker.js";
import { planOperation } from "./plan-operation.js";
import { planRelease } from "./plan-release.js";
import { taskFacts } from "./release-admission.js";
import { ReleaseEvents } from "./release-events.js";
import { candidatesOf, memberRows, sentEntries, targetRows } from "./release-facts.js";
import {
  ACTIVE_RELEASE_STATES,
  type CandidateRow,
  type HistoryEntry,
  type MemberObservation,
  type PlanInput,
  type ReleaseActor,
  type ReleaseContext,
  type ReleaseOperation,
  type ReleasePlan,
  type ReleaseRecord,
  type ReleaseSend,
} from "./release-model.js";
import {
  cancelledNotice,
  type KeyedNotice,
  plannedNotice,
  releaseEventNotices,
} from "./release-notices.js";
import { missingSends } from "./release-recovery.js";
import { RETRY_MS, ReleaseSchedule } from "./release-schedule.js";
import { changesFor, describeSends } from "./release-sends.js";
import { scheduledMarker } from "./scheduled-mark.js";
import { ScheduledStarts } from "./scheduled-starts.js";

/** What the runner is built from; nothing else reaches it. */
export interface ReleaseRunnerDeps {
  readonly releases: ReleaseStore;
  readonly fleet: Pick<FleetRows, "get" | "getMany" | "query">;
  readonly desiredState: Pick<DesiredStore, "servicesOf">;
  /** The function's offered packs (withdrawn ones left out): operations-deps.ts offeredPacks. */
  readonly packsOf: (fn: string) => Promise<PackVersionInfo[]>;
  /** Applies desired-state changes (operations/apply-desired.ts): durable, then published. */
  readonly apply: (changes: readonly DesiredRowChange[]) => Promise<unknown>;
  readonly now: () => number;
  readonly log: (message: string) => void;
  /** The pure decisions; the real planner unless a test hands in another. */
  readonly planner?: ReleasePlanner;
  /** Issue 11: windows and blackouts (schedules/); absent: no windows, no blackouts. */
  readonly scheduleFacts?: ScheduleFacts | undefined;
  /** Issue 11: where task and release notices go (notices/); absent: NO_NOTICES. */
  readonly notices?: NoticePublisher | undefined;
  /** Issue 11: presence `capabilities` per workstation; absent: no agent said any. */
  readonly capabilitiesOf?:
    | ((store: string, workstation: string) => readonly string[] | null)
    | undefined;
  /** The window calculus's deadline (tests may hand in another); absent: protocol windowDeadline. */
  readonly windowDeadline?: ReleaseContext["windowDeadline"] | undefined;
  /** How often the runner looks for due scheduled starts (ms); default 1,000. */
  readonly tickMs?: number | undefined;
}

/** The runner's tick: due scheduled starts are looked for this often (injected clocks rely on it). */
const TICK_MS = 1_000;

/** The pure planner's two functions (plan-release.ts, plan-operation.ts). */
export interface ReleasePlanner {
  readonly planRelease: typeof planRelease;
  readonly planOperation: typeof planOperation;
}

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
 */
export class ReleaseRunner implements ScheduledTasks {
  readonly events: ReleaseEvents;
  /** The planner's issue-11 facts, read through the deps at plan time. */
  readonly context: ReleaseContext;
  private readonly notices: NoticePublisher;
  /** Issue 11: scheduled starts (timers, the tick, blackouts' cancels). */
  private readonly starts: ScheduledStarts;
  private readonly index = new MemberIndex();
  private readonly ok = new OkTracker();
  private readonly schedule: ReleaseSchedule;
  /** Releases whose last sends may not have been applied: checked before the next plan. */
  private readonly repair = new Set<string>();
  /** The version each active release rolls out, for okSince. */
  private readonly versionOf = new Map<string, string>();
  private readonly planner: ReleasePlanner;
  /**
   * Each release as last loaded or saved. The runner is the one writer of
   * release records (creation hands it the new one), and records are never
   * changed in place (the planner copies on write), so a plan starts from
   * this instead of reading (and copying) a 10,000-member record again.
   */
  private readonly current = new Map<string, ReleaseRecord>();

  constructor(private readonly deps: ReleaseRunnerDeps) {
    this.events = new ReleaseEvents(deps.log);
    this.planner = deps.planner ?? { planRelease, planOperation };
    this.schedule = new ReleaseSchedule((id) => this.evaluateNow(id), deps.now, deps.log);
    this.notices = deps.notices ?? NO_NOTICES;
    const facts = deps.scheduleFacts;
    this.context = {
      windowFor: (store, group) => facts?.windowFor(store, group)?.window ?? null,
      blackoutsAt: (group, atMs) => facts?.blackoutsAt(group, atMs) ?? [],
      capabilitiesOf: (store, workstation) => deps.capabilitiesOf?.(store, workstation) ?? null,
      windowDeadline: deps.windowDeadline ?? windowDeadline,
    };
    this.starts = new ScheduledStarts({
      records: () => this.current.values(),
      operate: (id, operation, actor) => this.operate(id, operation, actor),
      targetRows: (spec) => targetRows(deps.fleet, spec),
      context: this.context,
      now: deps.now,
      log: deps.log,
      tickMs: deps.tickMs ?? TICK_MS,
    });
  }

  /**
   * Loads every release: active ones hold their rows again, their OK rows
   * start their soak now, sends a crash cut off are applied again; then
   * every Running release is planned.
   */
  async start(): Promise<void> {
    const releases = await this.deps.releases.list();
    // Scheduled tasks whose time passed while the coordinator was down.
    const bootNow = this.deps.now();
    const missed = new Set(
      releases
        .filter((r) => r.state === "Scheduled" && r.spec.schedule?.mode === "at")
        .filter((r) => Date.parse((r.spec.schedule as { at: string }).at) <= bootNow)
        .map((r) => r.id),
    );
    // Every release is known (and holds its rows) before anything else can ask.
    for (const release of releases) this.remember(release);
    const started = releases.map((release) =>
      // In the release's chain: an operation asked for meanwhile waits for this.
      this.schedule.serially(release.id, async () => {
        const now = this.deps.now();
        if (ACTIVE_RELEASE_STATES.includes(release.state)) {
          for (const [key, row] of await memberRows(this.deps.fleet, release))
            this.ok.observe(key, row, release.spec.version, now);
        }
        // A send that cannot go out now (a publish refused) is tried again with the next plan.
        await this.recover(release).catch((error: unknown) => {
          this.deps.log(`release ${release.id}: sends not applied again: ${errorText(error)}`);
          this.repair.add(release.id);
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
    const now = this.deps.now();
    return scheduledMarker({
      releases: [...this.current.values()],
      holding: (key) => this.index.holding(key),
      nextOpening: (row) => {
        const window = this.context.windowFor(row.store, row.group);
        return window === null ? null : nextSpan(window, now).opensAt;
      },
    });
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
      const key = rowKey(row);
      const holder = this.index.holding(key);
      if (holder === undefined) continue;
      const version = this.versionOf.get(holder.id);
      if (version !== undefined) this.ok.observe(key, row, version, now);
      this.schedule.markDirty(holder.id);
    }
  }

  /** The active release holding a row, for set-preferred / retry (OperationsDeps.releaseHolding). */
  holding(key: string): { id: string; name: string } | undefined {
    return this.index.holding(key);
  }

  /** Plans a release again (queued behind the one under way; coalesced with one not yet begun). */
  evaluate(id: string): Promise<void> {
    return this.schedule.evaluate(id);
  }

  /**
   * A new release (Ready or Scheduled) was stored: the runner knows of it
   * from now on; its task.planned notice goes to the outbox, its timer is
   * armed, and a task due now (immediately, window) is started, after any
   * due earlier.
   */
  async created(release: ReleaseRecord, rows?: readonly CandidateRow[]): Promise<void> {
    this.remember(release);
    this.logHistory(release, release.history);
    const target = rows ?? (await targetRows(this.deps.fleet, release.spec));
    await this.publish([plannedNotice(taskFacts(release, target))], release.id);
    this.starts.arm(release);
    if (release.spec.schedule !== null) await this.startDue();
  }

  /** Hands notices to the outbox; a failure is logged with the release's id and thrown. */
  private async publish(notices: readonly KeyedNotice[], id: string): Promise<void> {
    if (notices.length === 0) return;
    try {
      await this.notices.publish(notices);
    } catch (error) {
      this.deps.log(`release ${id}: notices not published: ${errorText(error)}`);
      throw error;
    }
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
      const release = await this.record(id);
      if (release === undefined) return err(`no release task ${id}`);
      await this.repairIfNeeded(release);
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

  /**
   * What the planner and the views see of each member row now: status,
   * request, versions, and okSince from the soak tracker. Read up front, so
   * the pure functions get a synchronous lookup.
   */
  async observer(release: ReleaseRecord): Promise<(key: string) => MemberObservation | undefined> {
    const now = this.deps.now();
    const active = ACTIVE_RELEASE_STATES.includes(release.state);
    const seen = new Map<string, MemberObservation>();
    for (const [key, row] of await memberRows(this.deps.fleet, release)) {
      const okSince = active
        ? this.ok.observe(key, row, release.spec.version, now)
        : this.ok.get(key, release.spec.version);
      seen.set(key, {
        status: row.status,
        requestId: row.requestId,
        activeVersion: row.activeVersion,
        reason: row.reason,
        online: row.online,
        okSince,
      });
    }
    return (key) => seen.get(key);
  }

  private async evaluateNow(id: string): Promise<void> {
    if (this.schedule.closed) return;
    const release = await this.record(id);
    if (release === undefined) return;
    await this.repairIfNeeded(release);
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
    const notices = releaseEventNotices(after, plan.events);
    if (after.state === "Cancelled" && before.state !== "Cancelled") {
      const rows = await targetRows(this.deps.fleet, after.spec);
      const cancelled = cancelledNotice(before, after, () => taskFacts(after, rows));
      if (cancelled !== null) notices.push(cancelled);
    }
    await this.publish(notices, after.id);
    if (plan.changed) await this.deps.releases.save(after);
    if (after.state !== "Scheduled") this.starts.disarm(after.id);
    this.remember(after);
    this.logHistory(after, after.history.slice(before.history.length));
    if (plan.sends.length > 0) {
      try {
        await this.send(after, plan.sends);
      } catch (error) {
        // Saved but maybe not sent: the next evaluation re-applies what is missing.
        this.repair.add(after.id);
        this.schedule.wakeAt(after.id, this.deps.now() + RETRY_MS);
        throw error;
      }
    }
    for (const event of plan.events) this.events.emit(event);
    if (after.state === "Running" && plan.wakeAt !== null)
      this.schedule.wakeAt(after.id, plan.wakeAt);
    else if (after.state !== "Running") this.schedule.clearWake(after.id);
  }

  /** Applies a release's sends through the desired-state applier. */
  private async send(release: ReleaseRecord, sends: readonly ReleaseSend[]): Promise<void> {
    const changes = await changesFor(
      sends,
      (key) => this.deps.fleet.get(key),
      this.deps.now(),
      (key, reason) => this.deps.log(`release ${release.id}: ${key} not cancelled: ${reason}`),
    );
    await this.deps.apply(changes);
    this.deps.log(`release ${release.id}: sent ${describeSends(sends)}`);
  }

  /** Re-applies the sends of `release` whose desired state is missing (see release-recovery.ts). */
  private async recover(release: ReleaseRecord): Promise<void> {
    const entries = await sentEntries(this.deps.desiredState, release);
    const rows = await memberRows(this.deps.fleet, release);
    const missing = missingSends(
      release,
      (key) => entries.get(key),
      (key) => rows.get(key),
    );
    if (missing.length === 0) return;
    this.deps.log(
      `release ${release.id}: ${missing.length} send(s) saved but not published (the coordinator stopped in between): sending them again`,
    );
    await this.send(release, missing);
  }

  private async repairIfNeeded(release: ReleaseRecord): Promise<void> {
    if (!this.repair.has(release.id)) return;
    await this.recover(release);
    this.repair.delete(release.id);
  }

  private async inputFor(release: ReleaseRecord): Promise<PlanInput> {
    return {
      release,
      observe: await this.observer(release),
      candidates: null,
      heldBy: (key) => this.index.heldByOther(key, release.id),
      packs: await this.deps.packsOf(release.spec.function),
      now: this.deps.now(),
      context: this.context,
    };
  }

  /** The release as last saved or loaded (see `current`). */
  private async record(id: string): Promise<ReleaseRecord | undefined> {
    const known = this.current.get(id);
    if (known !== undefined) return known;
    const stored = await this.deps.releases.get(id);
    if (stored !== undefined) this.current.set(id, stored);
    return stored;
  }

  private remember(release: ReleaseRecord): void {
    const before = this.current.get(release.id);
    this.current.set(release.id, release);
    // The index changes only with the state or a stage's members (a stage start):
    // rebuilding it for 10,000 members after every plan cost more than the plan.
    if (before === undefined || holdingChanged(before, release)) this.index.update(release);
    if (ACTIVE_RELEASE_STATES.includes(release.state))
      this.versionOf.set(release.id, release.spec.version);
    else this.versionOf.delete(release.id);
  }

  private logHistory(release: ReleaseRecord, entries: readonly HistoryEntry[]): void {
    for (const entry of entries) this.deps.log(describeHistory(release.id, entry));
  }
}

/** Whether the rows `after` holds may differ from those `before` held. */
function holdingChanged(before: ReleaseRecord, after: ReleaseRecord): boolean {
  if (before.state !== after.state) return true;
  return before.stages.some((stage, i) => stage.members !== after.stages[i]?.members);
}

/** `release 3: stage pilot Running -> Successful (reason) by release runner`. */
export function describeHistory(id: string, entry: HistoryEntry): string {
  const subject = entry.subject === "release" ? "" : `stage ${entry.subject} `;
  return `release ${id}: ${subject}${entry.from} -> ${entry.to} (${entry.reason}) by ${entry.who}`;
}
