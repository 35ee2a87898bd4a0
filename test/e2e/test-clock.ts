import { type Clock, systemClock } from "@tillroll/agent";

/**
 * One clock for a coordinator and the tills of a test: real time plus an
 * offset the test moves forward ("it is now 01:59 in Berlin"). The
 * coordinator takes `now`, in-process agents take the clock itself; sleeps
 * stay real (virtualSleep aside), so an agent waiting for a window sees a jump at its next
 * recheck (recheckSeconds), as it would see an NTP step on a till.
 */
export class TestClock implements Clock {
  private offsetMs = 0;

  /** Starts at `iso` (the test's "now"), moving on in real time from there. */
  constructor(iso?: string) {
    if (iso !== undefined) this.jumpTo(iso);
  }

  readonly now = (): number => Date.now() + this.offsetMs;

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    systemClock.sleep(ms, signal);

  /** Moves time forward by `ms` (a virtual wait passing). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`TestClock: cannot advance by ${ms} ms`);
    this.offsetMs += ms;
  }

  /**
   * A sleep in virtual time (for the coordinator's `sleep`, its notice
   * retries): the clock moves on by `ms` at once, then the sleeper yields
   * `realMs` of real time so the rest of the process (HTTP answers, the
   * test) runs between two waits. Ten virtual minutes of retries capped at
   * 60 s are about fifteen waits: `15 × realMs` of real time. An abort ends
   * it early, as a real sleep.
   */
  virtualSleep(realMs: number): (ms: number, signal?: AbortSignal) => Promise<void> {
    return (ms, signal) => {
      if (signal?.aborted === true) return Promise.resolve();
      this.advance(ms);
      return systemClock.sleep(realMs, signal);
    };
  }

  /** Moves time forward to `iso`; going back is a test bug (timers and budgets assume it moves on). */
  jumpTo(iso: string): void {
    const target = Date.parse(iso);
    if (Number.isNaN(target)) throw new Error(`TestClock: ${iso} is not a time`);
    if (target < this.now())
      throw new Error(`TestClock: ${iso} is before now (${new Date(this.now()).toISOString()})`);
    this.offsetMs = target - Date.now();
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }
}
