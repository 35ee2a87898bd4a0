// The schema migrations on a real PostgreSQL: from empty, again (nothing to do), from the
// previous version with its data kept, two coordinators migrating at once, and a database
// newer than the code refused.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, testDatabase } from "../../../test/support/postgres.js";
import { migrateSchema, SchemaTooNewError } from "../../src/store/pg/migrate-schema.js";
import { latestVersion, MIGRATIONS, type Migration } from "../../src/store/pg/migrations/index.js";
import { openPgStore } from "../../src/store/pg/open-pg-store.js";
import { openPgDatabase, type PgDatabase } from "../../src/store/pg/pg-database.js";
import { audit, record } from "./conformance-fixtures.js";

// The first test would otherwise wait for the cluster to start within its own timeout.
beforeAll(() => startPostgres(), 120_000);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshDb(): Promise<{ db: PgDatabase; url: string }> {
  const database = await testDatabase();
  cleanups.push(() => database.drop());
  const db = openPgDatabase({ url: database.url });
  cleanups.push(() => db.close());
  return { db, url: database.url };
}

async function versions(db: PgDatabase): Promise<number[]> {
  const { rows } = await db.query<{ version: number }>(
    "SELECT version FROM schema_migrations ORDER BY version",
  );
  return rows.map((r) => r.version);
}

/** A migration after the code's newest, as the next release would add it. */
const NEXT: Migration = {
  version: latestVersion() + 1,
  name: "test-next",
  sql: "ALTER TABLE audit ADD COLUMN note text NOT NULL DEFAULT 'kept'",
};

describe("PostgreSQL schema migrations", () => {
  it("from empty: applies every migration in order and records each", async () => {
    const { db } = await freshDb();
    const outcome = await migrateSchema(db);
    expect(outcome).toEqual({
      from: 0,
      to: latestVersion(),
      applied: MIGRATIONS.map((m) => m.version),
    });
    expect(await versions(db)).toEqual(MIGRATIONS.map((m) => m.version));
    const { rows } = await db.query<{ name: string }>(
      "SELECT name FROM schema_migrations WHERE version = 1",
    );
    expect(rows[0]?.name).toBe("core");
  });

  it("again: nothing to apply, nothing changed", async () => {
    const { db } = await freshDb();
    await migrateSchema(db);
    expect(await migrateSchema(db)).toEqual({
      from: latestVersion(),
      to: latestVersion(),
      applied: [],
    });
    expect(await versions(db)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("from the previous version: the next migration is applied and the data is kept", async () => {
    const { db } = await freshDb();
    await migrateSchema(db);
    await db.query("INSERT INTO audit (entry) VALUES ($1)", [JSON.stringify({ action: "before" })]);
    await db.query(
      "INSERT INTO workstations (store, workstation, record) VALUES ('1001', '01', '{\"store\":\"1001\"}')",
    );
    const outcome = await migrateSchema(db, [...MIGRATIONS, NEXT]);
    expect(outcome.applied).toEqual([NEXT.version]);
    const audit = await db.query<{ entry: { action: string }; note: string }>(
      "SELECT entry, note FROM audit",
    );
    expect(audit.rows).toEqual([{ entry: { action: "before" }, note: "kept" }]);
    expect((await db.query("SELECT * FROM workstations")).rowCount).toBe(1);
  });

  it("a store on version 1 opens on the newest schema with its data kept (001 then 002)", async () => {
    const { db, url } = await freshDb();
    await migrateSchema(db, MIGRATIONS.slice(0, 1));
    await db.query("INSERT INTO workstations (store, workstation, record) VALUES ($1, $2, $3)", [
      "1001",
      "01",
      JSON.stringify(record("1001", "01")),
    ]);
    await db.query("INSERT INTO audit (entry) VALUES ($1)", [JSON.stringify(audit("kept"))]);
    const dataDir = mkdtempSync(join(tmpdir(), "tillroll-pgmig-"));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const store = await openPgStore({
      dataDir,
      database: url,
      now: () => Date.now(),
      log: () => undefined,
    });
    cleanups.push(() => store.close());
    expect(await versions(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(store.workstations.peek({ store: "1001", workstation: "01" })).toEqual(
      record("1001", "01"),
    );
    expect((await store.audit.list()).map((e) => e.action)).toEqual(["kept"]);
  });

  it("the store refuses to open on a database newer than the code, naming both versions", async () => {
    const { db, url } = await freshDb();
    await migrateSchema(db, [...MIGRATIONS, NEXT]);
    const dataDir = mkdtempSync(join(tmpdir(), "tillroll-pgmig-"));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    await expect(
      openPgStore({ dataDir, database: url, now: () => Date.now(), log: () => undefined }),
    ).rejects.toThrow(
      `schema is version ${NEXT.version}, newer than this tillroll knows (version ${latestVersion()})`,
    );
  });

  it("two coordinators migrating at once apply each migration once", async () => {
    const { db, url } = await freshDb();
    const other = openPgDatabase({ url });
    cleanups.push(() => other.close());
    const outcomes = await Promise.all([migrateSchema(db), migrateSchema(other)]);
    expect(outcomes.map((o) => o.applied.length).sort()).toEqual([0, MIGRATIONS.length]);
    expect(await versions(db)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("a database newer than the code is refused, naming both versions, and left as it is", async () => {
    const { db } = await freshDb();
    await migrateSchema(db, [...MIGRATIONS, NEXT]);
    const refused = await migrateSchema(db).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SchemaTooNewError);
    expect((refused as Error).message).toMatch(
      new RegExp(`version ${NEXT.version}\\b.*version ${latestVersion()}\\b`),
    );
    expect(await versions(db)).toEqual([...MIGRATIONS, NEXT].map((m) => m.version));
  });

  it("a failed migration rolls back whole: nothing applied, nothing recorded", async () => {
    const { db } = await freshDb();
    const broken: Migration = { version: latestVersion() + 1, name: "broken", sql: "SELECT nope" };
    await expect(migrateSchema(db, [...MIGRATIONS, broken])).rejects.toThrow(/nope/);
    const { rows } = await db.query<{ exists: boolean }>(
      "SELECT to_regclass('public.schema_migrations') IS NOT NULL AS exists",
    );
    expect(rows[0]?.exists).toBe(false);
  });

  it("a list out of order is refused before anything is written", async () => {
    const { db } = await freshDb();
    const gap = [...MIGRATIONS, { ...NEXT, version: latestVersion() + 2 }];
    await expect(migrateSchema(db, gap)).rejects.toThrow(/out of order/);
  });
});
