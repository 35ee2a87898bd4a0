// The PostgreSQL store at fleet size: 10,000 workstations enrolled, listed, given desired
// entries, rows written, recorded, paged and reopened, each in one multi-row statement
// (or a few), so the time grows with the rows, not their square. The limits are loose
// (a busy 2-core machine) but a statement per row, or a quadratic check, exceeds them.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, testDatabase } from "../../../test/support/postgres.js";
import { openPgStore, type PgCoordinatorStore } from "../../src/store/pg/open-pg-store.js";
import { entry, record, ref, row } from "./conformance-fixtures.js";

const N = 10_000;
const NOW = Date.parse("2026-11-30T09:00:00.000Z");

// The first test would otherwise wait for the cluster to start within its own timeout.
beforeAll(() => startPostgres(), 120_000);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `work`, expecting it to take less than `limitMs`; answers its result. */
async function within<T>(what: string, limitMs: number, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  const took = performance.now() - started;
  expect(took, `${what} took ${Math.round(took)} ms`).toBeLessThan(limitMs);
  return result;
}

const ids = Array.from({ length: N }, (_, i) => ({
  store: String(1000 + Math.floor(i / 10)),
  workstation: String((i % 10) + 1).padStart(2, "0"),
}));

describe("PostgreSQL store at 10,000 workstations", () => {
  it("enrols, lists, changes, records, pages and reopens without a statement per row", async () => {
    const database = await testDatabase();
    cleanups.push(() => database.drop());
    const dataDir = mkdtempSync(join(tmpdir(), "tillroll-pgscale-"));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const open = () =>
      openPgStore({ dataDir, database: database.url, now: () => NOW, log: () => undefined });
    let store: PgCoordinatorStore = await open();
    cleanups.push(() => store.close());

    const enrolled = await within("enrol", 5_000, () =>
      store.workstations.enrol(ids.map((id) => record(id.store, id.workstation, "DE/North"))),
    );
    expect(enrolled).toEqual({ ok: true });
    expect((await within("list", 2_000, () => store.workstations.list())).length).toBe(N);

    const change = await within("applyChange", 5_000, () =>
      store.desired.applyChange({
        entries: ids.map((id) => ({
          ref: ref(id.store, id.workstation),
          function: "pos-client",
          entry: entry("1.1.0"),
        })),
        documents: N,
      }),
    );
    expect(change.applied).toBe(N);
    expect((await within("desired.all", 3_000, () => store.desired.all())).length).toBe(N);

    await within("upsertRows", 5_000, () =>
      store.fleet.upsertRows(ids.map((id) => row(id.store, id.workstation, "pos-client"))),
    );
    await within("recordStatus + flush", 5_000, async () => {
      for (const [seq, id] of ids.entries())
        await store.fleet.recordStatus({
          ref: ref(id.store, id.workstation),
          seq: seq + 1,
          rows: [row(id.store, id.workstation, "scale", { status: "Failed", reason: "x" })],
        });
      await store.fleet.flush();
    });
    const page = await within("page", 1_000, () =>
      store.fleet.page({ status: ["Failed"] }, null, {
        sort: "status",
        dir: "asc",
        offset: 100,
        limit: 50,
      }),
    );
    expect(page.total).toBe(N);
    expect(page.rows).toHaveLength(50);

    await store.close();
    store = await within("reopen", 5_000, open);
    expect(store.workstations.count()).toBe(N);
    expect(store.fleet.table.size).toBe(2 * N);
    expect(await store.fleet.lastStatusSeq(ref("1999", "10"))).toBe(N);
    expect((await store.desired.servicesOf(ref("1500", "03")))["pos-client"]).toEqual(
      entry("1.1.0"),
    );
  }, 120_000);
});
