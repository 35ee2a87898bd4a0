import type { AuditEntry } from "../audit/audit-log.js";

/** The audit trail: append-only, read in the order it was written. */
export interface AuditStore {
  /** Resolves once the entry is durable; a rejection means it was not recorded. */
  append(entry: AuditEntry): Promise<void>;
  /** The last `limit` entries (default 1000), oldest first, in append order. */
  list(query?: { readonly limit?: number }): Promise<AuditEntry[]>;
}
