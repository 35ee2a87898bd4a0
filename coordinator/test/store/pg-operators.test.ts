// Operators on PostgreSQL: the directory's records survive a reopen in their order, a save
// replaces the list whole, and a row that does not fit the schema is refused naming it.

import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startPostgres, type TestDatabase, testDatabase } from "../../../test/support/postgres.js";
import { OperatorDirectory } from "../../src/accounts/operators.js";
import { migrateSchema } from "../../src/store/pg/migrate-schema.js";
import { openPgDatabase, type PgDatabase } from "../../src/store/pg/pg-database.js";
import { PgOperators } from "../../src/store/pg/pg-operators.js";
import { FAST_SCRYPT } from "../accounts/helpers.js";

// The first use starts a throw-away cluster (unless TILLROLL_TEST_PG_URL names one): initdb takes a while.
beforeAll(() => startPostgres(), 120_000);

let database: TestDatabase;
const pools: PgDatabase[] = [];
async function connect(): Promise<PgDatabase> {
  const db = openPgDatabase({ url: database.url, max: 2 });
  pools.push(db);
  return db;
}

beforeEach(async () => {
  database = await testDatabase();
  await migrateSchema(await connect());
});
afterEach(async () => {
  for (const db of pools.splice(0)) await db.close();
  await database.drop();
});

describe("PgOperators", () => {
  it("loads nothing from an empty table", async () => {
    expect(await new PgOperators(await connect()).load()).toEqual([]);
  });

  it("keeps operators across a reopen, in the directory's order, with hashes only", async () => {
    const first = await OperatorDirectory.open(new PgOperators(await connect()), {
      passwordParams: FAST_SCRYPT,
    });
    await first.bootstrapAdmin("legacy-token");
    const zed = await first.add("zed", "viewer", null, null);
    const anna = await first.add("anna", "approver", "DE/North", "anna@example.com");
    if (!anna.ok || !zed.ok) throw new Error("add failed");

    const second = await OperatorDirectory.open(new PgOperators(await connect()), {
      passwordParams: FAST_SCRYPT,
    });
    expect(second.authenticateToken("legacy-token")?.name).toBe("admin");
    expect(second.authenticateToken(anna.value.token)).toMatchObject({
      name: "anna",
      role: "approver",
      scope: "DE/North",
    });
    expect(await second.authenticatePassword("anna", anna.value.password)).not.toBeNull();
    const records = await new PgOperators(await connect()).load();
    expect(records.map((r) => r.name)).toEqual(["admin", "zed", "anna"]);
    const text = JSON.stringify(records);
    expect(text).not.toContain(anna.value.token);
    expect(text).not.toContain(anna.value.password);
  });

  it("a save replaces the list whole (a removed operator is gone)", async () => {
    const store = new PgOperators(await connect());
    const directory = await OperatorDirectory.open(store, { passwordParams: FAST_SCRYPT });
    await directory.bootstrapAdmin("t");
    const records = await store.load();
    await store.save([]);
    expect(await store.load()).toEqual([]);
    await store.save(records);
    expect(await store.load()).toEqual(records);
  });

  it("refuses a row that does not fit the schema, naming the operator and field", async () => {
    const db = await connect();
    await db.query(
      `INSERT INTO operators (name, position, record) VALUES ('admin', 1, '{"name":"admin","role":"root"}')`,
    );
    await expect(new PgOperators(db).load()).rejects.toThrow(/operators table, operator admin: /);
  });
});
