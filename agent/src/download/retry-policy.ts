/**
 * Retry timing: exponential backoff with "equal jitter", bounded by the
 * request deadline and stretched by a server's `Retry-After`.
 *
 * Pure functions; the clock and randomness are passed in.
 */
import type { BackoffOptions } from "./types.js";

export const DEFAULT_BACKOFF_BASE_MS = 1_000;
export const DEFAULT_BACKOFF_MAX_MS = 60_000;

/**
 * Delay before retry number `attempt` (1 = after the first failure).
 *
 * The exponential part is `base * 2^(attempt-1)` capped at `max`; the result
 * is uniformly spread over its upper half so that a whole store of tills that
 * lost the uplink at the same moment does not reconnect in lockstep.
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  options: BackoffOptions = {},
): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const max = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(max, base * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(capped / 2 + (r * capped) / 2);
}

/** What to do after a transient failure. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/**
 * Decides whether another attempt fits before `deadline` and how long to wait.
 * The wait never extends past the deadline; a server-provided `Retry-After`
 * raises (never lowers) the computed backoff.
 */
export function planRetry(input: {
  attempt: number;
  now: number;
  deadline: number;
  random: () => number;
  retryAfterMs?: number | undefined;
  backoff?: BackoffOptions | undefined;
}): RetryDecision {
  const remaining = input.deadline - input.now;
  if (remaining <= 0) return { retry: false };
  const computed = backoffDelay(input.attempt, input.random, input.backoff);
  const wanted = Math.max(computed, input.retryAfterMs ?? 0);
  return { retry: true, delayMs: Math.min(wanted, remaining) };
}
