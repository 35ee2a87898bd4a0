import { type Clock, systemClock } from "@tillroll/agent";

/**
 * One clock for a coordinator and the tills of a test: real time plus an
 * offset the test moves forward ("it is now 01:59 in Berlin"). The
 * coordinator takes `now`, in-process agents take the clock itself; sleeps
 * stay real, so an agent waiting for a window sees a jump at its next
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
