// Issue 14 (replicas), what one replica writes and another must not miss or undo.
// Status order: a shared subscription hands a till's reports to either replica, so
// two replicas write the same rows, each batch committing in its own time. The one that
// commits last must not be the older report: found by the failover e2e test
// (test/e2e/replica-failover.test.ts), where a till's "In Progress (health-check)" batch
// committed after its "OK" and both replicas showed it In Progress for good.
// Packs: the next leader knew only the packs of its own start, and skipped every row of
// the release's next stage ("1.1.0 is not allowed from 1.0.0").

import pg from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgres } from "../../../test/support/postgres.js";
import { RESTART_GAP } from "../../src/ingest/seq-order.js";
import type { PgCoordinatorStore } from "../../src/store/pg/open-pg-store.js";
import { buildPack, descriptorFor, useWorkspace } from "../packs/pack-fixtures.js";
import { ref, row } from "../store/conformance-fixtures.js";
import { twoStores } from "./two-stores.js";

beforeAll(() => startPostgres(), 120_000);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const KEY = "1001/01/pos-client";

async function twoReplicas(shared?: string): Promise<{
  a: PgCoordinatorStore;
  b: PgCoordinatorStore;
  stored: () => Promise<string | undefined>;
}> {
  const { a, b, database } = await twoStores(cleanups, "status-order", shared);
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

describe("packs published on one replica", () => {
  const ws = useWorkspace();
  it("are known to the other: listed, found by version and by sha256, downloadable", async () => {
    const { a, b } = await twoReplicas(ws.data);
    expect(await b.packs.list("pos-client")).toEqual([]);
    const published = await a.packs.publish(
      await buildPack(ws, { descriptor: descriptorFor("pos-client", "1.1.0") }),
    );
    if (!published.ok) throw new Error(published.error);
    // The next leader's planner asks b for the version's descriptor (updatableFrom).
    expect((await b.packs.list("pos-client")).map((p) => p.version)).toEqual(["1.1.0"]);
    expect((await b.packs.get({ name: "pos-client", version: "1.1.0" }))?.sha256).toBe(
      published.value.sha256,
    );
    expect((await b.packs.bySha256(published.value.sha256))?.version).toBe("1.1.0");
    expect(b.packs.downloads.filePath(published.value.sha256)).toBeDefined();
    // Publishing the same version with other bytes on b is refused, as on a.
    const other = await b.packs.publish(
      await buildPack(ws, {
        descriptor: descriptorFor("pos-client", "1.1.0"),
        files: { "other.txt": "other bytes" },
      }),
    );
    expect(other.ok).toBe(false);
  });
});
