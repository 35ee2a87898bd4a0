/**
 * Delay before the next reconnect attempt: exponential with full jitter
 * (delay = random * min(cap, base * 2^attempt)). After a store-wide outage
 * thousands of tills come back at once; without jitter they would hit the
 * broker in lockstep (Mosquitto's listen backlog is 100) and keep failing
 * together.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Never retry sooner than this, so a broken broker is not hammered. */
  minMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: BackoffOptions = {
  baseMs: 1000,
  maxMs: 60_000,
  minMs: 250,
};

export function reconnectDelay(
  attempt: number,
  random: number,
  options = DEFAULT_RECONNECT_BACKOFF,
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(options.minMs, Math.round(random * ceiling));
}
