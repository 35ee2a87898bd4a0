// The store conformance suite against the PostgreSQL store, each test on a fresh database
// of the test server (test/support/postgres.ts). Write faults come from a trigger on every
// table that raises, so every write (and only writes) fails while it is there.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll } from "vitest";
import { startPostgres, testDatabase } from "../../../test/support/postgres.js";
import { openPgStore } from "../../src/store/pg/open-pg-store.js";
import { buildPack, descriptorFor, type Workspace } from "../packs/pack-fixtures.js";
import { describeStoreConformance, type StoreHarness } from "./conformance.js";
import { failEveryWrite } from "./pg-faults.js";

const NOW = Date.parse("2026-11-30T09:00:00.000Z");

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

// The first test would otherwise wait for the cluster to start within its hook timeout.
beforeAll(() => startPostgres(), 120_000);

describeStoreConformance("PostgreSQL", pgHarness);
