// What the PostgreSQL store does beyond the shared contract: recipes versioned across
// reopen and concurrent sets, status reports written within moments without a flush (and
// again once a failed write can be retried), and two stores on one database (replicas).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, testDatabase } from "../../../test/support/postgres.js";
import { openPgStore, type PgCoordinatorStore } from "../../src/store/pg/open-pg-store.js";
import { audit, record, ref, row } from "./conformance-fixtures.js";
import { failEveryWrite } from "./pg-faults.js";

beforeAll(() => startPostgres(), 120_000);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const GROUP = { kind: "group", group: "DE" } as const;
const WHO = { by: "admin", at: "2026-11-30T20:00:00.000Z" };
const content = (value: string) => ({
  env: { SHOP_URL: value, SHOP_TOKEN: "s3cret" },
  files: {},
  secrets: ["SHOP_TOKEN"],
});

interface Place {
  readonly url: string;
  open(): Promise<PgCoordinatorStore>;
}

async function place(): Promise<Place> {
  const database = await testDatabase();
  cleanups.push(() => database.drop());
  const dataDir = mkdtempSync(join(tmpdir(), "tillroll-pgdetails-"));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  return {
    url: database.url,
    async open() {
      const store = await openPgStore({
        dataDir,
        database: database.url,
        now: () => Date.now(),
        log: () => undefined,
      });
      cleanups.push(() => store.close());
      return store;
    },
  };
}

async function count(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(sql)).rows[0]?.n);
  } finally {
    await client.end();
  }
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("PostgreSQL store details", () => {
  it("recipes: versions per (function, scope), never reused, kept across a reopen", async () => {
    const at = await place();
    const store = await at.open();
    expect((await store.recipes.set("pos-client", GROUP, content("a"), WHO)).revision.version).toBe(
      1,
    );
    expect(
      await store.recipes.set("pos-client", GROUP, content("a"), { ...WHO, by: "anna" }),
    ).toMatchObject({ changed: false, revision: { version: 1, by: "admin" } });
    expect((await store.recipes.unset("pos-client", GROUP, WHO))?.version).toBe(2);
    expect(await store.recipes.unset("pos-client", GROUP, WHO)).toBeNull();
    await store.recipes.set("scale", { kind: "store", store: "1001" }, content("s"), WHO);
    const again = await at.open();
    expect((await again.recipes.set("pos-client", GROUP, content("b"), WHO)).revision.version).toBe(
      3,
    );
    expect((await again.recipes.list()).map((r) => r.function)).toEqual(["pos-client", "scale"]);
    expect((await again.recipes.list("pos-client"))[0]?.history.map((h) => h.version)).toEqual([
      1, 2, 3,
    ]);
  });

  it("recipes: two coordinators setting a new pair at once get versions 1 and 2", async () => {
    const at = await place();
    const [one, two] = [await at.open(), await at.open()];
    const results = await Promise.all([
      one.recipes.set("pos-client", GROUP, content("a"), WHO),
      two.recipes.set("pos-client", GROUP, content("b"), WHO),
    ]);
    expect(results.map((r) => r.revision.version).sort()).toEqual([1, 2]);
  });

  it("a status report is written within moments without a flush", async () => {
    const at = await place();
    const store = await at.open();
    await store.fleet.recordStatus({ ref: ref("1001", "01"), seq: 7, rows: [row("1001", "01")] });
    await until(
      async () => (await count(at.url, "SELECT count(*) AS n FROM fleet_rows")) === 1,
      2_000,
    );
    expect(await count(at.url, "SELECT seq AS n FROM status_seqs")).toBe(7);
  });

  it("status reports a failed write kept are written once writes work again", async () => {
    const at = await place();
    const store = await at.open();
    const restore = await failEveryWrite(at.url);
    await store.fleet.recordStatus({ ref: ref("1001", "01"), seq: 1, rows: [row("1001", "01")] });
    await expect(store.fleet.flush()).rejects.toThrow(/test fault/);
    // Still shown while it cannot be written.
    expect(store.fleet.table.get("1001/01/pos-client")).toBeDefined();
    await restore();
    await until(
      async () => (await count(at.url, "SELECT count(*) AS n FROM fleet_rows")) === 1,
      5_000,
    );
  }, 15_000);

  it("an operator's row replaces a status recorded just before it, shown and written", async () => {
    const at = await place();
    const store = await at.open();
    await store.fleet.recordStatus({ ref: ref("1001", "01"), seq: 1, rows: [row("1001", "01")] });
    // Within the batch delay: the status is still pending when the operator's change lands.
    await store.fleet.upsertRows([row("1001", "01", "pos-client", { preferredVersion: "1.1.0" })]);
    expect((await store.fleet.get("1001/01/pos-client"))?.preferredVersion).toBe("1.1.0");
    await store.fleet.flush();
    await store.close();
    const again = await at.open();
    expect((await again.fleet.get("1001/01/pos-client"))?.preferredVersion).toBe("1.1.0");
  });

  it("audit: an unbounded list (limit Infinity, as the API asks) answers every entry", async () => {
    const store = await (await place()).open();
    for (const action of ["a", "b", "c"]) await store.audit.append(audit(action));
    expect(
      (await store.audit.list({ limit: Number.POSITIVE_INFINITY })).map((e) => e.action),
    ).toEqual(["a", "b", "c"]);
    expect((await store.audit.list({ limit: 2 })).map((e) => e.action)).toEqual(["b", "c"]);
  });

  it("two stores on one database: the same workstation enrolled by both lands once", async () => {
    const at = await place();
    const [one, two] = [await at.open(), await at.open()];
    const outcomes = await Promise.all([
      one.workstations.enrol([record("1001", "01")]),
      two.workstations.enrol([record("1001", "01"), record("1001", "02")]),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(
      await count(at.url, "SELECT count(*) AS n FROM workstations WHERE workstation = '01'"),
    ).toBe(1);
  });
});
