// The install logs on PostgreSQL: the shared contract (contract-install-logs.ts) on a real
// server, each test on its own fresh database.

import { beforeAll } from "vitest";
import { startPostgres, testDatabase } from "../../../test/support/postgres.js";
import { migrateSchema } from "../../src/store/pg/migrate-schema.js";
import { openPgDatabase, type PgDatabase } from "../../src/store/pg/pg-database.js";
import { PgInstallLogs } from "../../src/store/pg/pg-install-logs.js";
import { describeInstallLogContract } from "./contract-install-logs.js";

// The first use starts a throw-away cluster (unless TILLROLL_TEST_PG_URL names one): initdb takes a while.
beforeAll(() => startPostgres(), 120_000);

describeInstallLogContract("PostgreSQL", async () => {
  const database = await testDatabase();
  const pools: PgDatabase[] = [];
  const connect = async () => {
    const db = openPgDatabase({ url: database.url, max: 2 });
    pools.push(db);
    return db;
  };
  await migrateSchema(await connect());
  return {
    open: async (retention, now) => new PgInstallLogs({ db: await connect(), retention, now }),
    cleanup: async () => {
      for (const db of pools) await db.close();
      await database.drop();
    },
  };
});
