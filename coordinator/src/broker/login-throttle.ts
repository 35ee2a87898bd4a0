/**
 * Slows down failed broker logins, per username and per client address.
 * Pure bookkeeping: the caller passes the time and does the waiting.
 *
 * How: every key (a username, an address) counts its failed logins. The first
 * `freeFailures` cost nothing; after that each attempt on the key must wait
 * for a slot, and slots are `baseDelayMs · 2^(failures − freeFailures)` apart,
 * at most `maxDelayMs`. Slots are reserved when an attempt is admitted, so
 * attempts made in parallel queue behind each other instead of all passing at
 * once. An attempt whose slot is more than `maxWaitMs` away is not checked at
 * all: the broker answers "server unavailable" right away (nothing about the
 * password is learnt from it). A key with no failure for `forgetAfterMs`
 * starts over; a successful login resets its username.
 *
 * For a username, attempts still in flight count as failures until they end
 * (a real agent has one connection at a time, a guesser many). For an address
 * they do not: a whole store's tills reconnecting through one NAT address
 * after an outage must not be slowed, only addresses that actually fail.
 *
 * Nothing here depends on whether the username exists, so the answer and its
 * delay are the same for an unknown username and a wrong password (the
 * principal lookup spends the same hash on both, principal-lookup.ts).
 *
 * Memory: at most `maxKeys` entries (~100 bytes each); beyond that the entry
 * used least recently is dropped, which at worst forgets a throttle early.
 */

export interface ThrottleOptions {
  /** Failures per key answered without delay. */
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** An attempt that would wait longer is answered "server unavailable" at once. */
  maxWaitMs: number;
  /** A key without failures for this long starts over. */
  forgetAfterMs: number;
  /** Bound on usernames and addresses remembered together. */
  maxKeys: number;
}

export const DEFAULT_THROTTLE_OPTIONS: Readonly<ThrottleOptions> = {
  freeFailures: 5,
  baseDelayMs: 100,
  maxDelayMs: 10_000,
  maxWaitMs: 30_000,
  forgetAfterMs: 15 * 60 * 1000,
  maxKeys: 20_000,
};

export type LoginOutcome = "success" | "failure" | "neutral";

export interface Ticket {
  readonly userKey: string;
  readonly addressKey: string;
}

export type Admission =
  | { admitted: true; waitMs: number; ticket: Ticket }
  | { admitted: false; waitMs: number };

interface Entry {
  failures: number;
  /** Attempts admitted and not yet settled (counted for usernames only). */
  pending: number;
  /** Earliest time the next delayed attempt may be checked. */
  next: number;
  /** Last failure (or creation). */
  last: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE_OPTIONS) {}

  /** Admits a login attempt of `username` from `address` at `now`, or refuses it. */
  admit(username: string, address: string, now: number): Admission {
    const userKey = `user ${username}`;
    const addressKey = `address ${address}`;
    const user = this.entry(userKey, now);
    // Addresses are remembered only once they fail (see above).
    const from = this.find(addressKey, now);
    const delays: [Entry, number][] = [[user, this.delay(user.failures + user.pending)]];
    if (from !== undefined) delays.push([from, this.delay(from.failures)]);
    let slot = now;
    for (const [entry, delay] of delays) if (delay > 0) slot = Math.max(slot, entry.next);
    const waitMs = slot - now;
    if (waitMs > this.options.maxWaitMs) return { admitted: false, waitMs };
    for (const [entry, delay] of delays) if (delay > 0) entry.next = slot + delay;
    user.pending += 1;
    this.trim();
    return { admitted: true, waitMs, ticket: { userKey, addressKey } };
  }

  /** Records how an admitted attempt ended. */
  settle(ticket: Ticket, outcome: LoginOutcome, now: number): void {
    const user = this.entries.get(ticket.userKey);
    if (user !== undefined) user.pending = Math.max(0, user.pending - 1);
    if (outcome === "success") {
      if (user !== undefined && user.pending === 0) this.entries.delete(ticket.userKey);
      else if (user !== undefined) user.failures = 0;
      return;
    }
    if (outcome === "neutral") return;
    for (const key of [ticket.userKey, ticket.addressKey]) {
      const entry = this.entry(key, now);
      entry.failures += 1;
      entry.last = now;
    }
    this.trim();
  }

  /** Entries held (usernames and addresses). */
  get size(): number {
    return this.entries.size;
  }

  /** Delay between attempts for a key with `strikes` failures. */
  delay(strikes: number): number {
    const { freeFailures, baseDelayMs, maxDelayMs } = this.options;
    if (strikes < freeFailures) return 0;
    const exponent = Math.min(strikes - freeFailures, 30);
    return Math.min(maxDelayMs, baseDelayMs * 2 ** exponent);
  }

  /** The key's live entry, moved to the most recently used end; a stale one is dropped. */
  private find(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (now - entry.last >= this.options.forgetAfterMs && entry.pending === 0) return undefined;
    this.entries.set(key, entry);
    return entry;
  }

  /** The key's entry, fresh if it is new or forgotten. */
  private entry(key: string, now: number): Entry {
    const found = this.find(key, now);
    if (found !== undefined) return found;
    const entry: Entry = { failures: 0, pending: 0, next: now, last: now };
    this.entries.set(key, entry);
    return entry;
  }

  private trim(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.options.maxKeys) return;
      this.entries.delete(key);
    }
  }
}
