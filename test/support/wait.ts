import { setTimeout as sleep } from "node:timers/promises";

/**
 * Bounded waiting. End-to-end tests wait on other processes and the network;
 * an unbounded wait turns a bug into a hung CI job with no message, so every
 * wait in the fixtures goes through these helpers and fails with a message
 * saying what it waited for.
 */

export class WaitTimeoutError extends Error {
  override name = "WaitTimeoutError";
}

/** Resolves like `promise`, or rejects after `timeoutMs` naming `what`. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WaitTimeoutError(`timed out after ${timeoutMs} ms: ${what}`)),
      timeoutMs,
    );
  });
  // clearTimeout either way, so a settled wait leaves no timer keeping the
  // test process alive.
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls `check` until it returns something other than undefined/false, and
 * resolves with that value. For conditions with no event to listen to
 * (a file appearing, a process exiting).
 */
export async function pollUntil<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline)
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(intervalMs);
  }
}

/** Structural, so typed emitters (mqtt.js clients, child processes) fit too. */
interface Emitter {
  once(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * The next `event` of `emitter` (its arguments), bounded. Listen *before*
 * triggering the action that causes the event, or it may be missed.
 */
export function nextEvent(
  emitter: Emitter,
  event: string,
  timeoutMs: number,
  what = `"${event}" event`,
): Promise<unknown[]> {
  let listener: ((...args: unknown[]) => void) | undefined;
  const happened = new Promise<unknown[]>((resolve) => {
    listener = (...args) => resolve(args);
    emitter.once(event, listener);
  });
  return withTimeout(happened, timeoutMs, what).finally(() => {
    // On timeout the listener would otherwise stay attached for good.
    if (listener) emitter.off(event, listener);
  });
}
