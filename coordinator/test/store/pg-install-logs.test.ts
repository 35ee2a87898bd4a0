// The install logs on PostgreSQL: the shared contract (contract-install-logs.ts) on a real
// server, each test on its own fresh database.

import { beforeAll, describe, expect, it } from "vitest";
import { startPostgres, testDatabase } from "../../../test/support/postgres.js";
import { migrateSchema } from "../../src/store/pg/migrate-schema.js";
import { openPgDatabase, type PgDatabase } from "../../src/store/pg/pg-database.js";
import { PgInstallLogs } from "../../src/store/pg/pg-install-logs.js";
import { describeInstallLogContract, line, ROW } from "./contract-install-logs.js";

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

describe("PgInstallLogs group commit", () => {
  it("keeps lines arriving together in one transaction; a failed commit rejects them all", async () => {
    const database = await testDatabase();
    const db = openPgDatabase({ url: database.url, max: 2 });
    try {
      await migrateSchema(db);
      let transactions = 0;
      const counting: PgDatabase = {
        ...db,
        query: (text, values) => db.query(text, values),
        transaction: (body) => {
          transactions += 1;
          return db.transaction(body);
        },
      };
      const logs = new PgInstallLogs({ db: counting, now: () => Date.now() });
      const rows = ["01", "02", "03"].map((workstation) => ({ ...ROW, workstation }));
      const kept = await Promise.all(
        rows.flatMap((row) => [1, 2, 3, 4].map((seq) => logs.append(row, line(seq)))),
      );
      expect(kept.every((k) => k)).toBe(true);
      // The first line starts a transaction; the other eleven wait and share the next one.
      expect(transactions).toBeLessThanOrEqual(2);
      for (const row of rows)
        expect((await logs.read(row)).lines.map((l) => [l.n, l.seq])).toEqual([
          [1, 1],
          [2, 2],
          [3, 3],
          [4, 4],
        ]);
      await db.query("ALTER TABLE install_log_lines ADD CONSTRAINT no_more CHECK (seq < 5)");
      const refused = await Promise.allSettled([
        logs.append(ROW, line(5)),
        logs.append(ROW, line(6)),
        logs.append(ROW, line(7)),
      ]);
      expect(refused.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
      await db.query("ALTER TABLE install_log_lines DROP CONSTRAINT no_more");
      // Nothing of the failed batch was kept: the next line gets the next n.
      expect(await logs.append(ROW, line(5))).toBe(true);
      expect((await logs.read(ROW)).lines.map((l) => l.n)).toEqual([1, 2, 3, 4, 5]);
      await logs.close();
    } finally {
      await db.close();
      await database.drop();
    }
  }, 60_000);
});
