// The store conformance suite against the PostgreSQL store, each test on a fresh database
// of the test server (test/support/postgres.ts). Write faults come from a trigger on every
// table that raises, so every write (and only writes) fails while it is there.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { testDatabase } from "../../../test/support/postgres.js";
import { openPgStore } from "../../src/store/pg/open-pg-store.js";
import { buildPack, descriptorFor, type Workspace } from "../packs/pack-fixtures.js";
import { describeStoreConformance, type StoreHarness } from "./conformance.js";

const NOW = Date.parse("2026-11-30T09:00:00.000Z");

/** Runs `sql` on the database at `url` on a connection of its own. */
export async function runSql(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Makes every INSERT, UPDATE and DELETE on the store's tables fail until restored. */
async function failEveryWrite(url: string): Promise<() => Promise<void>> {
  await runSql(
    url,
    `CREATE FUNCTION tillroll_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'writes fail (test fault)'; END $$;
     DO $$ DECLARE t text;
     BEGIN
       FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
         EXECUTE format('CREATE TRIGGER tillroll_test_fail BEFORE INSERT OR UPDATE OR DELETE ON %I
                         FOR EACH STATEMENT EXECUTE FUNCTION tillroll_test_fail()', t);
       END LOOP;
     END $$;`,
  );
  return () => runSql(url, "DROP FUNCTION tillroll_test_fail() CASCADE");
}

async function pgHarness(): Promise<StoreHarness> {
  const database = await testDatabase();
  const root = mkdtempSync(join(tmpdir(), "tillroll-pgstore-"));
  const data = join(root, "data");
  const staging = join(root, "staging");
  const build = join(root, "build");
  for (const dir of [data, staging, build]) mkdirSync(dir);
  const ws: Workspace = { root, data, staging, build, logs: [] };
  return {
    open: () =>
      openPgStore({
        dataDir: data,
        database: database.url,
        log: () => undefined,
        now: () => NOW,
        packs: { tmpDir: staging, now: () => new Date(NOW) },
      }),
    failWrites: () => failEveryWrite(database.url),
    buildPack: (name, version, marker) =>
      buildPack(ws, {
        descriptor: descriptorFor(name, version),
        ...(marker === undefined ? {} : { marker }),
      }),
    cleanup: async () => {
      await database.drop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

describeStoreConformance("PostgreSQL", pgHarness);
