/**
 * How long a receiver's head notice waits before its next attempt: 1 s after
 * the first failure, doubling, at most 60 s. Pure; the worker sleeps it with
 * the injected sleep, so tests run "10 minutes down" in no real time.
 */
export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 60_000;

/** The wait after the `failures`-th failure in a row (1 → 1 s, 2 → 2 s, 7 → 60 s). */
export function retryDelayMs(failures: number): number {
  if (failures < 1) return 0;
  // 2^6 s already passes the cap; the exponent is bounded so it never overflows.
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 16));
}

/** `8 s`, `1 min`: how the log names a wait. */
export function describeDelay(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}
