// Brings a database's schema up to the code's: applies the pending migrations in one
// transaction under an advisory lock (two replicas starting together apply them once),
// records each in schema_migrations, and refuses a database newer than this code.

import type { Migration } from "./migrations/index.js";
import { latestVersion, MIGRATIONS } from "./migrations/index.js";
import type { PgDatabase, Queryable } from "./pg-database.js";

/** The advisory lock key every tillroll process takes while migrating ("tillroll" in hex-ish). */
export const SCHEMA_LOCK_KEY = 0x7411_0011;

export interface MigrationOutcome {
  /** The version the database had before (0: empty). */
  readonly from: number;
  /** The version it has now. */
  readonly to: number;
  /** The versions applied by this call, in order. */
  readonly applied: readonly number[];
}

export class SchemaTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      `the database schema is version ${databaseVersion}, newer than this tillroll knows ` +
        `(version ${codeVersion}); run a tillroll at least as new as the one that migrated it`,
    );
    this.name = "SchemaTooNewError";
  }
}

/** Checks the list is 1, 2, 3 … so a mistake in the code fails loudly, not half-applied. */
function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, index) => {
    if (m.version !== index + 1) {
      throw new Error(
        `migration list out of order: entry ${index} (${m.name}) has version ${m.version}, expected ${index + 1}`,
      );
    }
  });
}

async function currentVersion(client: Queryable): Promise<number> {
  const result = await client.query<{ version: number | null }>(
    "SELECT max(version)::int AS version FROM schema_migrations",
  );
  return result.rows[0]?.version ?? 0;
}

export async function migrateSchema(
  db: PgDatabase,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationOutcome> {
  checkOrder(migrations);
  const codeVersion = latestVersion(migrations);
  return db.transaction(async (client) => {
    // Transaction-scoped: released at COMMIT or ROLLBACK, never leaked by a crash.
    await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const from = await currentVersion(client);
    if (from > codeVersion) throw new SchemaTooNewError(from, codeVersion);
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return { from, to: Math.max(from, codeVersion), applied };
  });
}
