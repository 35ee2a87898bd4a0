import type { AuditEntry } from "../../audit/audit-log.js";
import type { AuditStore } from "../audit-store.js";
import type { PgDatabase } from "./pg-database.js";
import { SerialQueue } from "./serial-queue.js";

/** AuditStore over the `audit` table: one row per entry, read in id (append) order. */
export class PgAudit implements AuditStore {
  /** Appends run one at a time, so entries made at once keep the order they were made in. */
  private readonly queue = new SerialQueue();

  constructor(private readonly db: PgDatabase) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.queue.run(() =>
      this.db.query("INSERT INTO audit (entry) VALUES ($1)", [JSON.stringify(entry)]),
    );
  }

  async list(query: { readonly limit?: number } = {}): Promise<AuditEntry[]> {
    const { rows } = await this.db.query<{ entry: AuditEntry }>(
      "SELECT entry FROM (SELECT id, entry FROM audit ORDER BY id DESC LIMIT $1) AS last ORDER BY id",
      // No limit (null) for Infinity, as the JSON log's slice(-limit) gives everything.
      [limitOf(query.limit)],
    );
    return rows.map((r) => r.entry);
  }
}

/** The SQL LIMIT for `limit` (default 1000); null (no limit) when it is not a positive integer. */
function limitOf(limit: number | undefined): number | null {
  const wanted = limit ?? 1000;
  return Number.isSafeInteger(wanted) && wanted > 0 ? wanted : null;
}
