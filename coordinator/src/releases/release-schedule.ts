import { errorText } from "../setup/data-dir-error.js";

/** After a failed evaluation (a full disk, a publish refused), try again this much later. */
export const RETRY_MS = 5_000;
/** The shortest wake delay: a wakeAt at or before now must not plan in a tight loop. */
const MIN_WAKE_MS = 50;
/**
 * While reports stream in, a release is planned at most this often: a plan
 * reads every member's row (10,000 in a large stage), and planning after
 * every turn of the event loop took the time status ingestion needed.
 */
export const PLAN_INTERVAL_MS = 200;
/** setTimeout's longest delay; a later wake is reached in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * When the runner plans each release: one evaluation at a time per release
 * (a promise chain each, which operations join too), news coalesced (a
 * release marked dirty any number of times in one turn is planned once, on
 * the next turn; an evaluation asked for while one is queued joins it), one
 * wake timer per release. Per instance; nothing runs after `close`.
 */
export class ReleaseSchedule {
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Releases with an evaluation queued and not yet begun. */
  private readonly queued = new Set<string>();
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushScheduled = false;
  private lastFlush = Number.NEGATIVE_INFINITY;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly evaluateNow: (id: string) => Promise<void>,
    private readonly now: () => number,
    private readonly log: (message: string) => void,
  ) {}

  get closed(): boolean {
    return this.stopped;
  }

  /** Plans a release (behind the evaluation under way; joined with one not yet begun). */
  evaluate(id: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const pending = this.chains.get(id);
    if (this.queued.has(id) && pending !== undefined) return pending.then(() => undefined);
    this.queued.add(id);
    return this.serially(id, async () => {
      this.queued.delete(id);
      await this.evaluateNow(id).catch((error: unknown) => {
        this.log(`release ${id}: not planned: ${errorText(error)}; trying again shortly`);
        this.wakeAt(id, this.now() + RETRY_MS);
      });
    });
  }

  /** Runs `work` in the release's chain: after everything queued for it before. */
  serially<T>(id: string, work: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(id) ?? Promise.resolve()).then(work);
    this.chains.set(
      id,
      run.catch(() => undefined),
    );
    return run;
  }

  /**
   * The release has news: it is planned once for all news of this turn of
   * the event loop, on the next turn, or PLAN_INTERVAL_MS after the last
   * such plan when that is later.
   */
  markDirty(id: string): void {
    if (this.stopped) return;
    this.dirty.add(id);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const flush = () => {
      this.flushTimer = null;
      this.flushScheduled = false;
      if (this.stopped) return;
      this.lastFlush = this.now();
      const ids = [...this.dirty];
      this.dirty.clear();
      for (const dirty of ids) void this.evaluate(dirty);
    };
    const wait = this.lastFlush + PLAN_INTERVAL_MS - this.now();
    if (wait <= 0) setImmediate(flush);
    else this.flushTimer = setTimeout(flush, wait);
  }

  /** Plans the release at `at` (ms), replacing its earlier wake. */
  wakeAt(id: string, at: number): void {
    if (this.stopped) return;
    this.clearWake(id);
    const delay = Math.min(Math.max(MIN_WAKE_MS, at - this.now()), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      void this.evaluate(id);
    }, delay);
    timer.unref();
    this.timers.set(id, timer);
  }

  clearWake(id: string): void {
    const timer = this.timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(id);
  }

  /** Stops the timers and waits for the evaluations under way. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.chains.values()]);
  }
}
