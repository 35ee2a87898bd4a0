import { setTimeout as delay } from "node:timers/promises";

/**
 * Time as the process code sees it. Health checks and restart backoff take
 * these as parameters so tests can run minutes of retries instantly.
 */
export interface Clock {
  /** Milliseconds; only differences are used. */
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Sleeps in real time; an abort ends the sleep early instead of rejecting. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch {
    // AbortError: the caller checks its signal after waking up.
  }
}

/** The real clock. Frozen: it is shared, so it must not be a place for state. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  sleep: abortableSleep,
});

/**
 * Waits for `promise`, but at most `ms` of real time. For waits that must not
 * hang the agent, e.g. output pipes a leftover process keeps open.
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `promise`; undefined if `signal` aborts first. Leaves no listener behind. */
export async function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
): Promise<T | undefined> {
  if (signal.aborted) return undefined;
  let onAbort = () => {};
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
