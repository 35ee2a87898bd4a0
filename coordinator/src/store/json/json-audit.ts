import type { AuditEntry, AuditLog } from "../../audit/audit-log.js";
import type { AuditStore } from "../audit-store.js";

/** AuditStore over `audit.jsonl` (AuditLog): one fsync'd line per entry. */
export class JsonAudit implements AuditStore {
  constructor(private readonly log: AuditLog) {}

  append(entry: AuditEntry): Promise<void> {
    return this.log.append(entry);
  }

  list(query: { readonly limit?: number } = {}): Promise<AuditEntry[]> {
    return this.log.list(query.limit);
  }
}
