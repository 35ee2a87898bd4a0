import type { ServiceRow } from "../fleet/service-row.js";

/**
 * Since when each member row has been OK on its release's version without a
 * report of another status in between (the soak). In memory only: after a
 * restart an OK row counts from the restart, so the soak starts again
 * (conservative). Fed every recorded report of a member row, so a Failed
 * report between two OK ones breaks the soak even when no plan saw it.
 */
export class OkTracker {
  private readonly since = new Map<string, { version: string; since: number }>();

  /** Takes `row` (a member's row now) into account; returns the okSince it leaves. */
  observe(key: string, row: ServiceRow | undefined, version: string, now: number): number | null {
    if (row === undefined || row.status !== "OK" || row.activeVersion !== version) {
      this.since.delete(key);
      return null;
    }
    const known = this.since.get(key);
    if (known !== undefined && known.version === version) return known.since;
    this.since.set(key, { version, since: now });
    return now;
  }

  /** Without new facts: the okSince known for `key`, or null. */
  get(key: string, version: string): number | null {
    const known = this.since.get(key);
    return known !== undefined && known.version === version ? known.since : null;
  }

  forget(key: string): void {
    this.since.delete(key);
  }
}
