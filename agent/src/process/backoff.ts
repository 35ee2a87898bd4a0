/** Delay before restarting a crashed service: `initialMs`, times `factor` per crash, up to `maxMs`. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** A run that lasted this long counts as healthy, so the next crash starts over at `initialMs`. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  resetAfterMs: 60_000,
});

/**
 * Restart delays for one supervision run.
 *
 * A service that crashes on start-up (bad config, port taken) must not be
 * restarted in a tight loop that eats the till's CPU and floods the log, so
 * the delay grows with each crash. A service that ran for a good while and
 * then crashed once is back to a short delay, so a rare crash costs little
 * downtime at the checkout.
 */
export class Backoff {
  readonly #policy: BackoffPolicy;
  #nextMs: number;

  constructor(policy: Partial<BackoffPolicy> = {}) {
    const merged = { ...DEFAULT_BACKOFF, ...policy };
    // Guard against a config that would shrink the delay or make it negative.
    const initialMs = Math.max(0, merged.initialMs);
    this.#policy = {
      initialMs,
      maxMs: Math.max(initialMs, merged.maxMs),
      factor: Math.max(1, merged.factor),
      resetAfterMs: merged.resetAfterMs,
    };
    this.#nextMs = initialMs;
  }

  /**
   * The delay to wait now. `uptimeMs` is how long the last run stayed up;
   * leave it out when the run never started (spawn failed).
   */
  next(uptimeMs?: number): number {
    if (uptimeMs !== undefined && uptimeMs >= this.#policy.resetAfterMs) {
      this.#nextMs = this.#policy.initialMs;
    }
    const delayMs = this.#nextMs;
    this.#nextMs = Math.min(delayMs * this.#policy.factor, this.#policy.maxMs);
    return delayMs;
  }
}
