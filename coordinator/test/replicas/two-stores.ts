// Issue 14 (replicas): two PostgreSQL stores on one fresh database and one data
// folder (pack bytes), as two replicas open them: the setup of the store-level
// replica tests (fan-out, notices leader, status order).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestDatabase, testDatabase } from "../../../test/support/postgres.js";
import { openPgStore, type PgCoordinatorStore } from "../../src/store/pg/open-pg-store.js";

export type Cleanups = Array<() => Promise<unknown>>;

export interface TwoStores {
  readonly a: PgCoordinatorStore;
  readonly b: PgCoordinatorStore;
  readonly database: TestDatabase;
  readonly dataDir: string;
}

/**
 * Opens both stores; everything it made is undone by `cleanups` (run in
 * reverse, after each test). `shared`: a data folder the caller owns.
 */
export async function twoStores(
  cleanups: Cleanups,
  name: string,
  shared?: string,
): Promise<TwoStores> {
  const database = await testDatabase();
  cleanups.push(() => database.drop());
  const dataDir = shared ?? mkdtempSync(join(tmpdir(), `tillroll-${name}-`));
  if (shared === undefined)
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const open = async () => {
    const store = await openPgStore({
      dataDir,
      database: database.url,
      now: () => Date.now(),
      log: () => undefined,
    });
    cleanups.push(() => store.close());
    return store;
  };
  const a = await open();
  const b = await open();
  return { a, b, database, dataDir };
}
