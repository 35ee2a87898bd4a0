// `tillroll migrate`'s work on real stores: a JSON data folder filled through the store's
// interfaces (several of each kind) is moved into a fresh PostgreSQL database, opened as
// the PostgreSQL store and compared through the same interfaces: nothing lost, and ids and
// seqs go on from where they were. A refused or failed move leaves the database empty.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startPostgres, type TestDatabase, testDatabase } from "../../../test/support/postgres.js";
import { JsonCoordinatorStore } from "../../src/store/json/json-store.js";
import { MigrateRefusal } from "../../src/store/migrate/migrate-checks.js";
import { migrateJsonToPostgres, rowsByTable } from "../../src/store/migrate/migrate-to-postgres.js";
import { openStore } from "../../src/store/open-store.js";
import { openPgDatabase } from "../../src/store/pg/pg-database.js";
import { useWorkspace } from "../packs/pack-fixtures.js";
import { audit, record, ref, releaseRecord } from "./conformance-fixtures.js";
import { dumpStore, fillJsonStore, LOG_ROWS, NOW, notADataFolder } from "./migrate-fixtures.js";

// The first use starts a throw-away cluster (unless TILLROLL_TEST_PG_URL names one): initdb takes a while.
beforeAll(() => startPostgres(), 120_000);

const ws = useWorkspace();
const FIRST_ROW = LOG_ROWS[0] ?? { store: "1001", workstation: "01", function: "pos-client" };
let database: TestDatabase;
beforeEach(async () => {
  database = await testDatabase();
});
afterEach(async () => {
  await database.drop();
});

const openJson = () =>
  JsonCoordinatorStore.open({
    dir: ws.data,
    log: () => undefined,
    now: () => NOW,
    packs: { tmpDir: ws.staging, now: () => new Date(NOW) },
  });
const openPg = () =>
  openStore({
    dataDir: ws.data,
    database: database.url,
    log: () => undefined,
    now: () => NOW,
    packs: { tmpDir: ws.staging, now: () => new Date(NOW) },
  });
const migrate = (dataDir = ws.data, databaseUrl = database.url) =>
  migrateJsonToPostgres({ dataDir, databaseUrl, log: () => undefined });

/** Every file under `dir` with its content. */
function folderContents(dir: string): Map<string, string> {
  const contents = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      contents.set(path, readFileSync(path, "latin1"));
    }
  return contents;
}

async function tableRows(): Promise<Map<string, number>> {
  const db = openPgDatabase({ url: database.url, max: 1 });
  try {
    return await rowsByTable(db);
  } finally {
    await db.close();
  }
}

// Each case fills a data folder and copies it: seconds on a busy machine.
describe("tillroll migrate: JSON files to PostgreSQL", { timeout: 60_000 }, () => {
  it("moves every kind; the PostgreSQL store answers what the JSON store answered", async () => {
    await fillJsonStore(ws);
    const json = await openJson();
    const before = await dumpStore(json);
    await json.close();
    // The fixture wrote several of each kind (a dump of nothing would compare equal too).
    expect(before.workstations).toHaveLength(3);
    expect(before.releases).toHaveLength(3);
    expect(before.schedules.blackouts).toHaveLength(1);
    expect(before.schedules.noticesPending).toHaveLength(2);
    expect(before.recipes[0]?.history).toHaveLength(2);
    expect(before.operators).toHaveLength(3);
    expect(before.audit).toHaveLength(5);
    expect(before.notices).toHaveLength(3);
    expect(before.webhooks).toHaveLength(2);
    expect(before.logs.map((l) => l.lines.length)).toEqual([4, 4, 4]);
    expect(before.perWorkstation[0]?.lastStatusSeq).toBe(41);

    const files = folderContents(ws.data);
    const report = await migrate();
    // The data folder is left as it is: it stays the backup.
    expect(folderContents(ws.data)).toEqual(files);
    expect(report.join("\n")).toMatch(/workstations\s+3\n/);
    expect(report.join("\n")).toMatch(/desired entries\s+3\n/);
    expect(report.join("\n")).toMatch(/install log lines\s+12\n/);
    expect(report.join("\n")).toMatch(/pack files stay in/);

    const pg = await openPg();
    try {
      expect(await dumpStore(pg)).toEqual(before);
    } finally {
      await pg.close();
    }
  });

  it("ids and seqs go on after the move: release, desired seq, blackout, webhook, notice, log n", async () => {
    await fillJsonStore(ws);
    const json = await openJson();
    const lastSeq = await json.desired.reserveSeqs(1);
    await json.close();
    await migrate();
    const pg = await openPg();
    try {
      expect((await pg.releases.create((id) => releaseRecord(id))).id).toBe("4");
      expect(await pg.desired.reserveSeqs(1)).toBeGreaterThan(lastSeq);
      expect((await pg.schedules.addBlackout((id) => ({ ...blackoutLike, id }))).blackout.id).toBe(
        "3",
      );
      const hook = await pg.webhooks.add((id) => ({ ...hookLike, id }));
      expect(hook.id).toBe("4");
      expect((await pg.outbox.add([noticeLike]))[0]?.seq).toBe(4);
      expect(await pg.installLogs.append(FIRST_ROW, logLike)).toBe(true);
      expect((await pg.installLogs.read(FIRST_ROW)).next).toBe(5);
      // The lines moved keep their n, and a line re-sent after the move is still known.
      expect((await pg.installLogs.read(FIRST_ROW)).lines.map((l) => l.n)).toEqual([1, 2, 3, 4, 5]);
      expect(await pg.installLogs.append(FIRST_ROW, logLike)).toBe(false);
      // A recipe's next revision follows its history (the same record, not a new one).
      const recipe = await pg.recipes.set(
        "pos-client",
        { kind: "group", group: "DE" },
        { env: { URL: "c" }, files: {}, secrets: [] },
        { by: "admin", at: "2026-11-30T10:00:00.000Z" },
      );
      expect(recipe.revision.version).toBe(3);
      expect(await pg.recipes.list()).toHaveLength(2);
      // The audit goes on after the entries moved, in order.
      await pg.audit.append(audit("after"));
      expect((await pg.audit.list()).map((e) => e.action).slice(-2)).toEqual(["action-5", "after"]);
      // The removed workstation stays removed: enrolling it again works.
      expect(await pg.workstations.enrol([record("3003", "01")])).toEqual({ ok: true });
      expect(await pg.fleet.lastStatusSeq(ref("3003", "01"))).toBeUndefined();
    } finally {
      await pg.close();
    }
  });

  it("refuses a database that already holds tillroll data, naming it, and writes nothing", async () => {
    await fillJsonStore(ws);
    await migrate();
    const rows = await tableRows();
    await expect(migrate()).rejects.toThrow(MigrateRefusal);
    await expect(migrate()).rejects.toThrow(
      /already holds tillroll data \(.*workstations: 3.*\); migrate only into an empty database/,
    );
    expect(await tableRows()).toEqual(rows);
  });

  it("refuses a folder that is not a coordinator's data folder, touching neither side", async () => {
    const dir = notADataFolder(ws);
    await expect(migrate(dir)).rejects.toThrow(/not a coordinator data folder/);
    await expect(migrate(join(ws.root, "missing"))).rejects.toThrow(/no such folder/);
    expect(readdirSync(dir)).toEqual(["holiday.jpg"]);
    expect(await tableRows()).toEqual(new Map());
  });

  it("a failure mid-copy leaves the target's tables empty (one transaction)", async () => {
    await fillJsonStore(ws);
    // A record the target refuses (a text longer than the audit table takes is not
    // reachable from outside; a CHECK added on the first table migrate writes is).
    const db = openPgDatabase({ url: database.url, max: 1 });
    try {
      const { migrateSchema } = await import("../../src/store/pg/migrate-schema.js");
      await migrateSchema(db);
      await db.query("ALTER TABLE install_log_lines ADD CONSTRAINT no_lines CHECK (false)");
    } finally {
      await db.close();
    }
    await expect(migrate()).rejects.toThrow(
      /the copy failed \(.*no_lines.*\); it was rolled back, the database holds none of it/,
    );
    const rows = await tableRows();
    expect([...rows.values()].every((n) => n === 0)).toBe(true);
  });
});

const blackoutLike = {
  id: "",
  from: "2027-01-01T00:00:00.000Z",
  to: "2027-01-02T00:00:00.000Z",
  reason: "after the move",
  group: null,
  createdBy: "admin",
  createdAt: "2026-11-30T09:00:00.000Z",
};
const hookLike = {
  id: "",
  url: "http://127.0.0.1:9/new",
  secret: "secret-new-secret",
  events: null,
  createdBy: "admin",
  createdAt: "2026-11-30T09:00:00.000Z",
};
const noticeLike = {
  id: "id-after",
  key: "after-the-move",
  event: "task.planned" as const,
  at: "2026-11-30T09:00:00.000Z",
  data: {},
  deliveries: [],
};
const logLike = {
  schema: 1 as const,
  seq: 99,
  ts: "2026-11-30T09:00:00.000Z",
  function: "pos-client",
  version: "1.1.0",
  requestId: null,
  level: "info" as const,
  source: "agent" as const,
  stream: null,
  line: "after the move",
};
