// Issue 14 (replicas): a shared subscription hands a till's reports to either replica, so
// two replicas write the same rows, each batch committing in its own time. The one that
// commits last must not be the older report: found by the failover e2e test
// (test/e2e/replica-failover.test.ts), where a till's "In Progress (health-check)" batch
// committed after its "OK" and both replicas showed it In Progress for good.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, testDatabase } from "../../../test/support/postgres.js";
import { RESTART_GAP } from "../../src/ingest/seq-order.js";
import { openPgStore, type PgCoordinatorStore } from "../../src/store/pg/open-pg-store.js";
import { ref, row } from "../store/conformance-fixtures.js";

beforeAll(() => startPostgres(), 120_000);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const KEY = "1001/01/pos-client";

async function twoReplicas(): Promise<{
  a: PgCoordinatorStore;
  b: PgCoordinatorStore;
  stored: () => Promise<string | undefined>;
}> {
  const database = await testDatabase();
  cleanups.push(() => database.drop());
  const dataDir = mkdtempSync(join(tmpdir(), "tillroll-status-order-"));
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
  // The status the database holds for KEY.
  const stored = async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const found = await client.query<{ status: string }>(
        "SELECT row->>'status' AS status FROM fleet_rows WHERE key = $1",
        [KEY],
      );
      return found.rows[0]?.status;
    } finally {
      await client.end();
    }
  };
  return { a, b, stored };
}

async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a till's reports written by two replicas", () => {
  it("an older report committed after a newer one replaces it neither in the database nor in either mirror", async () => {
    const { a, b, stored } = await twoReplicas();
    const heardB: string[] = [];
    b.onRemoteRows((keys) => heardB.push(...keys));
    const ws = ref("1001", "01");
    // The newer report (OK, seq 20) reached a and is written first...
    await a.fleet.recordStatus({
      ref: ws,
      seq: 20,
      rows: [row("1001", "01", "pos-client", { status: "OK" })],
    });
    await a.fleet.flush();
    // ...the older one (In Progress, seq 10) reached b, whose batch commits after it.
    await b.fleet.recordStatus({
      ref: ws,
      seq: 10,
      rows: [row("1001", "01", "pos-client", { status: "In Progress", phase: "health-check" })],
    });
    await b.fleet.flush();

    expect(await stored()).toBe("OK");
    // b shows the newer row again (read back), and tells its live feed.
    await until("b shows OK", () => b.fleet.table.get(KEY)?.status === "OK");
    expect(heardB).toContain(KEY);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.fleet.table.get(KEY)?.status).toBe("OK");
    expect(b.fleet.table.get(KEY)?.status).toBe("OK");
  });

  it("a newer report is written whichever replica took it, and a restarted agent's (far below) too", async () => {
    const { a, b, stored } = await twoReplicas();
    const ws = ref("1001", "01");
    const base = 1_800_000_000_000_000; // µs, as agents number their documents
    await a.fleet.recordStatus({
      ref: ws,
      seq: base,
      rows: [row("1001", "01", "pos-client", { status: "Prepared" })],
    });
    await a.fleet.flush();
    await b.fleet.recordStatus({
      ref: ws,
      seq: base + 1,
      rows: [row("1001", "01", "pos-client", { status: "In Progress" })],
    });
    await b.fleet.flush();
    expect(await stored()).toBe("In Progress");
    // An agent restarted without its state on a clock minutes behind: a new run, not stale.
    await a.fleet.recordStatus({
      ref: ws,
      seq: base - RESTART_GAP - 1_000_000,
      rows: [row("1001", "01", "pos-client", { status: "OK" })],
    });
    await a.fleet.flush();
    expect(await stored()).toBe("OK");
    await until("b shows OK", () => b.fleet.table.get(KEY)?.status === "OK");
  });
});
