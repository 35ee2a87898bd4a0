// The schema, as ordered forward-only migrations. migrate-schema.ts applies the ones a
// database has not seen yet, in version order, and records each in schema_migrations.
// A released migration is never edited: a change is a new entry with the next version.

import { CORE_001 } from "./001-core.js";
import { ACCOUNTS_NOTICES_LOGS_SQL } from "./002-accounts-notices-logs.js";
import { AUDIT_AS_WRITTEN_SQL } from "./003-audit-as-written.js";
import { REPLICA_COMMANDS_SQL } from "./004-replica-commands.js";
import { WEB_SESSIONS_SQL } from "./005-web-sessions.js";

export interface Migration {
  /** 1, 2, 3 … with no gaps. */
  readonly version: number;
  /** A short name for the record and for errors. */
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "core", sql: CORE_001 },
  // Operators, notices outbox, webhooks, install logs (store/pg/pg-operators.ts and siblings).
  { version: 2, name: "accounts-notices-logs", sql: ACCOUNTS_NOTICES_LOGS_SQL },
  // The audit trail as written: json keeps an entry's key order, jsonb does not.
  { version: 3, name: "audit-as-written", sql: AUDIT_AS_WRITTEN_SQL },
  // Issue 14: release commands a follower hands to the leader (replicas/pg-command-queue.ts).
  { version: 4, name: "replica-commands", sql: REPLICA_COMMANDS_SQL },
  // Web sessions every replica knows (store/pg/pg-web-sessions.ts).
  { version: 5, name: "web-sessions", sql: WEB_SESSIONS_SQL },
];

/** The newest schema version this code knows (0 when there is none). */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.reduce((newest, m) => Math.max(newest, m.version), 0);
}
