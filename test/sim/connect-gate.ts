import { setTimeout as sleep } from "node:timers/promises";

/**
 * Bounds how many CONNECT handshakes are in flight at once, as a real fleet's
 * reconnect storm is bounded only by how fast the broker answers: thousands of
 * simultaneous TCP connects and scrypt checks would time out instead of
 * queueing. Waiting callers are served in order; close() turns every waiting
 * and later call away.
 */
export class ConnectGate {
  private running = 0;
  private readonly waiting: { start(): void; cancel(error: Error): void }[] = [];
  private closedWith: Error | null = null;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`connectConcurrency must be a positive integer, got ${limit}`);
    }
  }

  get inFlight(): number {
    return this.running;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.closedWith !== null) throw this.closedWith;
    if (this.running >= this.limit) {
      // A finishing task hands its slot over: `running` stays counted for us.
      await new Promise<void>((start, cancel) => this.waiting.push({ start, cancel }));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next.start();
    }
  }

  /** Refuses waiting and future tasks; running ones finish on their own. */
  close(error: Error): void {
    this.closedWith = error;
    for (const waiter of this.waiting.splice(0)) waiter.cancel(error);
  }
}

export interface RetryOptions {
  attempts: number;
  /** Pause before attempt n (n ≥ 2) is `baseDelayMs * (n - 1)`. */
  baseDelayMs: number;
  /** An error not worth retrying (a refused CONNACK: the credentials will not improve). */
  isFinal(error: unknown): boolean;
  /** Checked before each retry: false gives up with the last error (the fleet closed or dropped). */
  stillWanted(): boolean;
}

/** Runs `task` until it succeeds, a final error, the last attempt, or it is no longer wanted. */
export async function withRetry<T>(task: () => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= opts.attempts || opts.isFinal(error) || !opts.stillWanted()) throw error;
      await sleep(opts.baseDelayMs * attempt);
      if (!opts.stillWanted()) throw error;
    }
  }
}
