import { coordinatorNow, toLocalTime } from "../clock/coordinator-clock.js";
import { Backoff, type BackoffPolicy } from "../process/backoff.js";
import { redeployReleaseName } from "../release/release-layout.js";
import { activeReleaseOf, type Job, newServiceRecord } from "../state/agent-state.js";
import { cancelJob } from "./cancel.js";
import type { EngineContext } from "./engine-context.js";
import { type PlanOptions, planService } from "./plan.js";
import { acceptRequest, runJob, transition } from "./update-runner.js";

/** Retries of a failed save: 1 s, doubling, at most every 30 s, until it lands. */
const SAVE_RETRY: Partial<BackoffPolicy> = { initialMs: 1_000, maxMs: 30_000, factor: 2 };

/**
 * Brings every service to its desired state, one pass at a time: plan each
 * service (pure), carry the plan out, and sleep until the next thing can
 * happen (a valid-from, a readiness re-check) or something arrives (a desired
 * or session document). Passes never overlap; jobs run one at a time, so a
 * workstation is never half-way through two updates.
 */
export class Reconciler {
  private dirty = false;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private active: { fn: string; abort: AbortController } | null = null;
  private saveBackoff = new Backoff(SAVE_RETRY);

  constructor(private readonly ctx: EngineContext) {}

  kick(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.running === null) {
      this.running = this.loop().finally(() => {
        this.running = null;
      });
    }
  }

  /** A new desired document was accepted: persist it, then stop a job it cancels and plan again. */
  desiredChanged(): void {
    // Nothing is acted on before the document is on disk: a failed save is
    // retried (with backoff) by the pass, which reports the problem meanwhile.
    this.ctx.store.save().then(
      () => {
        this.cancelActiveIfUnwanted();
        this.kick();
      },
      (error: Error) => {
        this.ctx.log(`could not save the desired document: ${error.message}`);
        this.kick();
      },
    );
  }

  private cancelActiveIfUnwanted(): void {
    const active = this.active;
    if (active === null) return;
    const record = this.ctx.store.state.services[active.fn];
    const want = this.ctx.store.state.desired?.services[active.fn];
    if (planService(want, record, this.coordinatorNow(), this.planOptions()).kind === "cancel")
      active.abort.abort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.active?.abort.abort();
    await this.running;
  }

  private planOptions(): PlanOptions {
    return { minWindowMinutes: this.ctx.config.minWindowMinutes };
  }

  private coordinatorNow(): number {
    return coordinatorNow(this.ctx.clock.now(), this.ctx.store.state.clockOffsetMs);
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        await this.pass();
      } catch (error) {
        if (this.ctx.store.unsaved !== null) {
          // A save failed mid-pass (disk full): the next pass retries it first.
          this.ctx.log(`reconcile pass stopped: ${(error as Error).message}`);
          this.dirty = true;
          continue;
        }
        this.ctx.log(`reconcile pass failed: ${(error as Error).stack ?? String(error)}`);
        this.schedule(this.ctx.clock.now() + 5000);
      }
    }
  }

  private async pass(): Promise<void> {
    const { store } = this.ctx;
    if (store.unsaved !== null && !(await this.saveAgain())) return;
    const desired = store.state.desired;
    const names = [
      ...new Set([...Object.keys(desired?.services ?? {}), ...Object.keys(store.state.services)]),
    ].sort();
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const fn of names) {
      if (this.stopped) return;
      const wake = await this.reconcileService(fn);
      wakeAt = Math.min(wakeAt, wake);
    }
    this.schedule(wakeAt);
  }

  /** Returns the local time at which this service wants another look (Infinity: none). */
  private async reconcileService(fn: string): Promise<number> {
    const { store, clock } = this.ctx;
    const iso = () => new Date(clock.now()).toISOString();
    for (let round = 0; round < 3; round++) {
      const want = store.state.desired?.services[fn];
      const record = store.state.services[fn];
      const plan = planService(want, record, this.coordinatorNow(), this.planOptions());
      switch (plan.kind) {
        case "idle":
          return Number.POSITIVE_INFINITY;
        case "clear": {
          if (record === undefined) return Number.POSITIVE_INFINITY;
          record.preferredVersion = null;
          record.requestId = null;
          record.validFrom = null;
          if (plan.status === "OK") record.reason = null;
          transition(this.ctx, fn, record, plan.status, "preferred version set to -");
          record.updatedAt = iso();
          await this.report();
          return Number.POSITIVE_INFINITY;
        }
        case "already-active": {
          if (record === undefined || want === undefined) return Number.POSITIVE_INFINITY;
          acceptRequest(this.ctx, fn, record, plan.requestId);
          Object.assign(record, {
            requestId: plan.requestId,
            preferredVersion: plan.version,
            validFrom: want.validFrom,
            reason: null,
          });
          transition(this.ctx, fn, record, "OK", `${plan.version} is already active`);
          record.updatedAt = iso();
          await this.report();
          return Number.POSITIVE_INFINITY;
        }
        case "wait": {
          const target = record ?? newServiceRecord(null, iso());
          store.state.services[fn] = target;
          const changed =
            target.status !== "Prepared" ||
            target.requestId !== plan.requestId ||
            target.reason !== plan.reason;
          Object.assign(target, {
            requestId: plan.requestId,
            preferredVersion: want?.preferredVersion ?? null,
            validFrom: want?.validFrom ?? null,
            reason: plan.reason,
          });
          if (changed) {
            transition(
              this.ctx,
              fn,
              target,
              "Prepared",
              plan.reason ?? `waiting for valid-from ${want?.validFrom}`,
            );
            await this.report();
          }
          const at = toLocalTime(plan.until, store.state.clockOffsetMs);
          // A window wait looks again at least every recheckSeconds, so a clock
          // that jumps (NTP, a new offset from the coordinator) is followed.
          if (plan.reason === null) return at;
          return Math.min(at, clock.now() + this.ctx.config.recheckSeconds * 1000);
        }
        case "begin": {
          if (want?.artifact == null || want.preferredVersion === null)
            return Number.POSITIVE_INFINITY;
          const target = record ?? newServiceRecord(null, iso());
          store.state.services[fn] = target;
          acceptRequest(this.ctx, fn, target, plan.requestId);
          const job: Job = {
            requestId: plan.requestId,
            fromVersion: target.activeVersion,
            toVersion: want.preferredVersion,
            artifact: want.artifact,
            validFrom: want.validFrom,
            step: "fetch",
            failure: null,
            notReady: null,
            startedAt: iso(),
            window: want.window ?? null,
            redeploy: plan.redeploy,
            // A reinstall goes into a folder of its own: the running one stays
            // untouched until the switch, and is there to roll back to.
            toRelease: plan.redeploy
              ? redeployReleaseName(want.preferredVersion, plan.requestId)
              : want.preferredVersion,
            fromRelease: activeReleaseOf(target),
            // Issue 13: the configuration to build the new release with; a
            // redeploy carrying one is a rebuild (same version, new recipe).
            recipe: want.recipe ?? null,
          };
          Object.assign(target, {
            job,
            requestId: plan.requestId,
            preferredVersion: want.preferredVersion,
            validFrom: want.validFrom,
            reason: null,
            progress: 0,
          });
          transition(
            this.ctx,
            fn,
            target,
            "In Progress",
            beginReason(want.validFrom, want.window != null, plan.redeploy, want.recipe ?? null),
          );
          await this.report();
          return this.run(fn);
        }
        case "continue":
        case "finish-first":
          return this.run(fn);
        case "cancel": {
          await cancelJob(this.ctx, fn, plan.reason, want?.artifact?.sha256 ?? null);
          continue; // plan again with the job gone
        }
      }
    }
    return Number.POSITIVE_INFINITY;
  }

  private async run(fn: string): Promise<number> {
    const abort = new AbortController();
    this.active = { fn, abort };
    try {
      const outcome = await runJob(this.ctx, fn, abort.signal);
      if (outcome === "deferred")
        return this.ctx.clock.now() + this.ctx.config.recheckSeconds * 1000;
      // Ended or cancelled: the desired state may want something else now.
      this.dirty = true;
      return Number.POSITIVE_INFINITY;
    } finally {
      this.active = null;
    }
  }

  /**
   * Memory is ahead of the disk (a save failed): save again before anything
   * is acted on. On failure, say why in the status (sent directly: the outbox
   * is in the file that cannot be written) and try again later, with
   * backoff up to SAVE_RETRY_MAX_MS, for as long as it takes.
   */
  private async saveAgain(): Promise<boolean> {
    const { store, reporter, log } = this.ctx;
    try {
      await store.save();
    } catch (error) {
      const delay = this.saveBackoff.next();
      const problem = `the agent cannot save its state (${(error as Error).message}); retrying in ${Math.ceil(delay / 1000)} s`;
      log(problem);
      reporter.reportSaveProblem(problem);
      this.schedule(this.ctx.clock.now() + delay);
      return false;
    }
    this.saveBackoff = new Backoff(SAVE_RETRY);
    log("state saved again after a failed save; carrying on");
    await reporter.reportStatus(); // the reasons that told of the problem go
    return true;
  }

  /** Saves the state and queues the status report (one durable write). */
  private async report(): Promise<void> {
    await this.ctx.reporter.reportStatus();
  }

  private schedule(localTime: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!Number.isFinite(localTime) || this.stopped) return;
    const delay = Math.max(0, localTime - this.ctx.clock.now());
    // setTimeout cannot wait longer than ~24.8 days; wake and re-plan instead.
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.kick();
      },
      Math.min(delay, 2 ** 31 - 1),
    );
  }
}

/** Why an update begins, for the `from -> to` log line. */
function beginReason(
  validFrom: string | null,
  windowed: boolean,
  redeploy: boolean,
  recipe: { version: number } | null,
): string {
  const when = [
    ...(validFrom === null ? [] : [`valid-from ${validFrom} reached`]),
    ...(windowed ? ["maintenance window open"] : []),
  ].join(", ");
  if (!redeploy) return when === "" ? "new request" : when;
  // A redeploy with a recipe is a rebuild (issue 13): say which recipe.
  const what = recipe === null ? "redeploy request" : `rebuild request (recipe v${recipe.version})`;
  return when === "" ? what : `${what}: ${when}`;
}
