/**
 * Rate-limits failed broker logins, per username and per client address.
 * Pure bookkeeping: the caller passes the time and does the waiting.
 *
 * How: each key (a username, an address) has a bucket of failures it may
 * spend: `burst` of them at once, refilled at one per `intervalMs`. While the
 * bucket holds a token, attempts are checked at once. When it is empty, an
 * attempt reserves the next token and waits for it, so attempts made in
 * parallel queue behind each other instead of all passing together: the
 * n-th attempt beyond the burst waits about n · intervalMs. An attempt that
 * would wait more than `maxWaitMs` is not checked at all: the broker answers
 * "server unavailable" at once (nothing about the password is learnt).
 *
 * A username spends a token on every attempt, given back when the password
 * was right (a real agent has one connection at a time, a guesser many, so
 * attempts in flight count). An address spends tokens only on failures: a
 * store's tills reconnecting through one NAT address after an outage are
 * never slowed, and one till with a wrong password retrying every 30 s stays
 * far below the refill rate, so it does not slow its neighbours either.
 *
 * Nothing here depends on whether the username exists, so the answer and its
 * delay are the same for an unknown username and a wrong password (the
 * principal lookup spends the same hash on both, principal-lookup.ts).
 *
 * Memory: a bucket that has refilled is forgotten; at most `maxKeys` buckets
 * are held (~100 bytes each), beyond that the one used least recently is
 * dropped, which at worst forgives its failures early.
 */

export interface BucketOptions {
  /** Failures that may happen at once before attempts wait. */
  burst: number;
  /** One more failure allowed per interval. */
  intervalMs: number;
}

export interface ThrottleOptions {
  username: BucketOptions;
  address: BucketOptions;
  /** An attempt that would wait longer is answered "server unavailable" at once. */
  maxWaitMs: number;
  /** Bound on usernames and addresses remembered together. */
  maxKeys: number;
}

/**
 * 5 quick failures per username, then one every 2 s; 30 per address, then
 * two a second; nobody waits more than 30 s for an answer.
 */
export const DEFAULT_THROTTLE_OPTIONS: Readonly<ThrottleOptions> = {
  username: { burst: 5, intervalMs: 2_000 },
  address: { burst: 30, intervalMs: 500 },
  maxWaitMs: 30_000,
  maxKeys: 20_000,
};

export type LoginOutcome = "success" | "failure" | "neutral";

export interface Ticket {
  readonly userKey: string;
  readonly addressKey: string;
  /** Whether the attempt reserved one of the address's tokens (it was throttled). */
  readonly addressReserved: boolean;
}

export type Admission =
  | { admitted: true; waitMs: number; ticket: Ticket }
  | { admitted: false; waitMs: number };

interface Bucket {
  /** Tokens left; negative while attempts queue for tokens not yet refilled. */
  tokens: number;
  /** When `tokens` was last brought up to date. */
  at: number;
}

export class LoginThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE_OPTIONS) {}

  /** Admits a login attempt of `username` from `address` at `now`, or refuses it. */
  admit(username: string, address: string, now: number): Admission {
    const userKey = `user ${username}`;
    const addressKey = `address ${address}`;
    const user = this.bucket(userKey, this.options.username, now);
    user.tokens -= 1;
    let waitMs = this.waitFor(user, this.options.username);
    const from = this.buckets.has(addressKey)
      ? this.bucket(addressKey, this.options.address, now)
      : undefined;
    const addressReserved = from !== undefined && from.tokens < 1;
    if (from !== undefined && addressReserved) {
      from.tokens -= 1;
      waitMs = Math.max(waitMs, this.waitFor(from, this.options.address));
    }
    if (waitMs > this.options.maxWaitMs) {
      user.tokens += 1;
      if (from !== undefined && addressReserved) from.tokens += 1;
      return { admitted: false, waitMs };
    }
    this.trim(now);
    return { admitted: true, waitMs, ticket: { userKey, addressKey, addressReserved } };
  }

  /** Records how an admitted attempt ended, at `now`. */
  settle(ticket: Ticket, outcome: LoginOutcome, now: number): void {
    const user = this.buckets.get(ticket.userKey);
    if (outcome === "success") {
      // The right secret: whatever this username failed before is forgiven.
      this.buckets.delete(ticket.userKey);
    } else if (outcome === "neutral" && user !== undefined) {
      user.tokens += 1;
    }
    if (ticket.addressReserved) {
      const from = this.buckets.get(ticket.addressKey);
      if (from !== undefined && outcome !== "failure") from.tokens += 1;
    } else if (outcome === "failure") {
      // Failures that were checked at once (a parallel wave) may overdraw the
      // bucket, but never beyond what maxWaitMs would queue: no lockout lasts
      // longer than that.
      const from = this.bucket(ticket.addressKey, this.options.address, now);
      const floor = -this.options.maxWaitMs / this.options.address.intervalMs;
      from.tokens = Math.max(floor, from.tokens - 1);
    }
    this.trim(now);
  }

  /** Buckets held (usernames and addresses). */
  get size(): number {
    return this.buckets.size;
  }

  /** How long until the bucket's newest reservation has its token. */
  private waitFor(bucket: Bucket, options: BucketOptions): number {
    return bucket.tokens >= 0 ? 0 : Math.ceil(-bucket.tokens * options.intervalMs);
  }

  /** The key's bucket refilled up to `now`, moved to the most recently used end. */
  private bucket(key: string, options: BucketOptions, now: number): Bucket {
    const found = this.buckets.get(key);
    this.buckets.delete(key);
    const bucket: Bucket = found ?? { tokens: options.burst, at: now };
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(options.burst, bucket.tokens + elapsed / options.intervalMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    return bucket;
  }

  /**
   * Drops buckets from the least recently used end while they have refilled
   * (a full bucket is the same as none) or while there are too many.
   */
  private trim(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const options = key.startsWith("user ") ? this.options.username : this.options.address;
      const full = bucket.tokens + (now - bucket.at) / options.intervalMs >= options.burst;
      if (!full && this.buckets.size <= this.options.maxKeys) return;
      this.buckets.delete(key);
    }
  }
}
