/**
 * Failed-login rate limit, per operator name and per client address: after
 * a few free failures each further one blocks that name (or address) for a
 * delay that doubles, up to a cap. Guessing one password from many machines
 * hits the name limit; guessing many names from one machine hits the
 * address limit. The caller counts an unknown name exactly like a wrong
 * password, and answers both the same way.
 *
 * Memory is bounded: at most `maxEntries` keys; when full, forgotten entries
 * go first, then the least recently failed. (An attacker who floods the table
 * can push out an entry, which at worst restarts its doubling: the free
 * failures before a block stay few.)
 */

export interface LoginLimiterOptions {
  /** Milliseconds since the epoch; tests inject a fake clock. */
  now: () => number;
  /** Failures per name before the first block. */
  freeFailuresPerName?: number;
  /** Failures per address before the first block: higher, since many people may share one (NAT). */
  freeFailuresPerAddress?: number;
  /** The first block; each further failure doubles it. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A key with no failure for this long starts from zero again. */
  forgetAfterMs?: number;
  maxEntries?: number;
}

export type LoginGate = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailureAt: number;
}

const DEFAULTS = {
  freeFailuresPerName: 5,
  freeFailuresPerAddress: 20,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
  maxEntries: 10_000,
};

export class LoginLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly options: Required<LoginLimiterOptions>;

  constructor(options: LoginLimiterOptions) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Ask before checking a password; a refused attempt must not even reach scrypt. */
  check(name: string, address: string): LoginGate {
    const now = this.options.now();
    const waits = [nameKey(name), addressKey(address)].map((key) => {
      const entry = this.current(key, now);
      return entry === undefined ? 0 : Math.max(0, entry.blockedUntil - now);
    });
    const retryAfterMs = Math.max(...waits);
    return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
  }

  /** A wrong password or an unknown name. */
  recordFailure(name: string, address: string): void {
    const now = this.options.now();
    this.fail(nameKey(name), now, this.options.freeFailuresPerName);
    this.fail(addressKey(address), now, this.options.freeFailuresPerAddress);
  }

  /**
   * A good login clears its name's count. Not the address's: an attacker
   * holding one account must not reset its address count by logging in
   * between guesses at other names.
   */
  recordSuccess(name: string, _address: string): void {
    this.entries.delete(nameKey(name));
  }

  /** How many keys are tracked (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private current(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && this.forgotten(entry, now)) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private forgotten(entry: Entry, now: number): boolean {
    return entry.blockedUntil <= now && now - entry.lastFailureAt >= this.options.forgetAfterMs;
  }

  private fail(key: string, now: number, freeFailures: number): void {
    const failures = (this.current(key, now)?.failures ?? 0) + 1;
    const over = failures - freeFailures;
    const delay =
      over <= 0
        ? 0
        : Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(over - 1, 40));
    this.entries.delete(key); // re-inserted last: Map order is least recently failed first
    this.makeRoom(now);
    this.entries.set(key, { failures, blockedUntil: now + delay, lastFailureAt: now });
  }

  private makeRoom(now: number): void {
    if (this.entries.size < this.options.maxEntries) return;
    for (const [key, entry] of this.entries)
      if (this.forgotten(entry, now)) this.entries.delete(key);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}

/** Names compare lowercased so `Admin` and `admin` share one count. */
function nameKey(name: string): string {
  return `name:${name.toLowerCase().slice(0, 128)}`;
}

function addressKey(address: string): string {
  return `addr:${address.slice(0, 64)}`;
}
