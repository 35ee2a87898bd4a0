import { migrateSchema } from "../pg/migrate-schema.js";
import { openPgDatabase, type Queryable } from "../pg/pg-database.js";
import {
  checkDataFolder,
  MigrateRefusal,
  nonEmptyTargetProblem,
  redactUrl,
} from "./migrate-checks.js";
import { readJsonStore } from "./read-json-store.js";
import { runningCoordinatorOn } from "./running-coordinator.js";
import { countLines, countSnapshot } from "./store-snapshot.js";
import { writeCoreKinds } from "./write-core-kinds.js";
import { writeExtraKinds } from "./write-extra-kinds.js";

export interface MigrateOptions {
  /** `--from`: the JSON store's data folder. */
  readonly dataDir: string;
  /** `--to`: the empty PostgreSQL database. */
  readonly databaseUrl: string;
  readonly log: (line: string) => void;
}

/**
 * `tillroll migrate`: checks the data folder (nothing read or written when it
 * is not one, or a coordinator still runs on it) and the target (its schema brought up to date, then refused
 * when any table holds a row), reads the JSON store whole, and writes it in
 * ONE transaction: a failure anywhere leaves the target's tables empty.
 * Answers the report lines (counts per kind).
 */
export async function migrateJsonToPostgres(options: MigrateOptions): Promise<string[]> {
  await checkDataFolder(options.dataDir);
  const running = await runningCoordinatorOn(options.dataDir);
  if (running !== null)
    throw new MigrateRefusal(
      `--from ${options.dataDir}: a coordinator (pid ${running}) still runs on this folder: stop it first, so nothing changes during the copy`,
    );
  const db = openPgDatabase({ url: options.databaseUrl, max: 2 });
  try {
    await migrateSchema(db).catch((error: Error) => {
      throw new MigrateRefusal(
        `--to ${redactUrl(options.databaseUrl)}: cannot prepare the database (${error.message})`,
      );
    });
    const problem = nonEmptyTargetProblem(options.databaseUrl, await rowsByTable(db));
    if (problem !== null) throw new MigrateRefusal(problem);
    options.log(`reading ${options.dataDir}`);
    const snapshot = await readJsonStore(options.dataDir, options.log);
    const counts = countSnapshot(snapshot);
    options.log(`writing ${redactUrl(options.databaseUrl)} (one transaction)`);
    await db
      .transaction(async (tx) => {
        // A replica or a second migrate starting meanwhile: the emptiness is checked again inside.
        const again = nonEmptyTargetProblem(options.databaseUrl, await rowsByTable(tx));
        if (again !== null) throw new MigrateRefusal(again);
        await writeCoreKinds(tx, snapshot);
        await writeExtraKinds(tx, snapshot);
      })
      .catch((error: Error) => {
        if (error instanceof MigrateRefusal) throw error;
        throw new MigrateRefusal(
          `--to ${redactUrl(options.databaseUrl)}: the copy failed (${error.message}); it was rolled back, the database holds none of it`,
        );
      });
    return [
      `moved ${options.dataDir} to ${redactUrl(options.databaseUrl)}:`,
      ...countLines(counts),
      `pack files stay in ${options.dataDir}/packs: start the coordinator with --data ${options.dataDir} --database …`,
    ];
  } finally {
    await db.close();
  }
}

/** Rows in every table of the tillroll schema but the migrations' own record (0 where none). */
export async function rowsByTable(db: Queryable): Promise<Map<string, number>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
       AND table_name <> 'schema_migrations'
     ORDER BY table_name`,
  );
  const counts = new Map<string, number>();
  for (const { name } of tables) {
    // Migration 001 creates the counters at 0: a counter holds data once it moved on.
    const where = name === "counters" ? " WHERE value <> 0" : "";
    const { rows } = await db.query<{ rows: string }>(
      `SELECT COUNT(*) AS rows FROM "${name.replaceAll('"', '""')}"${where}`,
    );
    counts.set(name, Number(rows[0]?.rows ?? 0));
  }
  return counts;
}
