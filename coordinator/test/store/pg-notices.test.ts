// The notices outbox and the webhook list on PostgreSQL, the cases of the JSON outbox's test
// (test/notices/json-outbox.test.ts) on a real server: a notice is committed before add
// answers and survives a reopen (a crash between write and delivery leaves it pending, and
// the head again), a duplicate key is dropped (also after a reopen), done deliveries are
// recorded, settled notices are compacted, task mail is kept; webhook ids are never reused.

import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startPostgres, type TestDatabase, testDatabase } from "../../../test/support/postgres.js";
import type { NewNotice } from "../../src/notices/outbox.js";
import { migrateSchema } from "../../src/store/pg/migrate-schema.js";
import { openPgDatabase, type PgDatabase } from "../../src/store/pg/pg-database.js";
import { PgOutbox } from "../../src/store/pg/pg-outbox.js";
import { PgWebhooks } from "../../src/store/pg/pg-webhooks.js";

// The first use starts a throw-away cluster (unless TILLROLL_TEST_PG_URL names one): initdb takes a while.
beforeAll(() => startPostgres(), 120_000);

let database: TestDatabase;
const pools: PgDatabase[] = [];
let nowMs = Date.parse("2026-11-30T10:00:00.000Z");
const logs: string[] = [];

/** A new connection pool each time: a reopen sees only what was committed. */
async function connect(): Promise<PgDatabase> {
  const db = openPgDatabase({ url: database.url, max: 2 });
  pools.push(db);
  return db;
}
const open = async () =>
  PgOutbox.open({ db: await connect(), now: () => nowMs, log: (l) => logs.push(l) });

function notice(key: string, receivers = ["webhook:1", "mail"]): NewNotice {
  return {
    id: `id-${key}`,
    key,
    event: "task.planned",
    at: new Date(nowMs).toISOString(),
    data: { key, nested: { list: [1, "two"] } },
    deliveries: receivers.map((receiver) => ({
      receiver,
      to: receiver === "mail" ? ["nord@example.com"] : null,
      doneAt: null,
      dropped: null,
    })),
  };
}

beforeEach(async () => {
  database = await testDatabase();
  await migrateSchema(await connect());
  nowMs = Date.parse("2026-11-30T10:00:00.000Z");
  logs.length = 0;
});
afterEach(async () => {
  for (const db of pools.splice(0)) await db.close();
  await database.drop();
});

describe("the PostgreSQL outbox", () => {
  it("numbers notices in order and keeps them whole", async () => {
    const outbox = await open();
    const added = await outbox.add([notice("a"), notice("b")]);
    expect(added.map((n) => n.seq)).toEqual([1, 2]);
    expect((await open()).list()).toEqual(added);
  });

  it("crash between write and delivery: after a reopen the notice is pending and the head", async () => {
    const first = await open();
    await first.add([notice("a"), notice("b")]);
    await first.markDone(1, "webhook:1");
    // No close: a kill -9 right after the answer. A new connection reads the tables.
    const reopened = await open();
    expect(reopened.head("webhook:1")?.key).toBe("b");
    expect(reopened.head("mail")?.key).toBe("a");
    expect(reopened.head("mail")?.deliveries.find((d) => d.receiver === "mail")?.to).toEqual([
      "nord@example.com",
    ]);
    expect(reopened.pendingReceivers()).toEqual(["mail", "webhook:1"]);
  });

  it("drops a duplicate key, within one add, across adds and after a reopen", async () => {
    const outbox = await open();
    expect((await outbox.add([notice("a"), notice("a")])).map((n) => n.key)).toEqual(["a"]);
    expect(await outbox.add([notice("a")])).toEqual([]);
    const reopened = await open();
    expect(reopened.has("a")).toBe(true);
    expect(await reopened.add([notice("a"), notice("b")])).toMatchObject([{ key: "b", seq: 2 }]);
  });

  it("the head is the lowest pending seq per receiver; a drop is recorded with why", async () => {
    const outbox = await open();
    await outbox.add([notice("a", ["webhook:1"]), notice("b", ["webhook:2"]), notice("c")]);
    expect(outbox.head("webhook:1")?.key).toBe("a");
    expect(outbox.head("webhook:2")?.key).toBe("b");
    await outbox.markDone(1, "webhook:1");
    expect(outbox.head("webhook:1")?.key).toBe("c");
    await outbox.markDone(3, "webhook:1", "webhook 1 was removed");
    expect(outbox.head("webhook:1")).toBeUndefined();
    const reopened = await open();
    expect(reopened.list()[2]?.deliveries[0]).toMatchObject({
      dropped: "webhook 1 was removed",
      doneAt: "2026-11-30T10:00:00.000Z",
    });
  });

  it("compacts settled notices after their keeping time, never the newest (seqs go on)", async () => {
    const outbox = await open();
    await outbox.add([notice("a", ["webhook:1"]), notice("b", ["webhook:1"])]);
    await outbox.markDone(1, "webhook:1");
    await outbox.markDone(2, "webhook:1");
    expect(outbox.list()).toHaveLength(2);
    nowMs += 8 * 24 * 3600_000;
    const later = await open();
    expect(later.list().map((n) => n.seq)).toEqual([2]);
    expect(later.has("a")).toBe(false);
    expect((await later.add([notice("c")]))[0]?.seq).toBe(3);
    // 2 is no longer the newest: the next open compacts it, 3 holds the high-water mark.
    expect((await open()).list().map((n) => n.seq)).toEqual([3]);
  });

  it("keeps the task mail addresses for the cancel mail across a reopen", async () => {
    const outbox = await open();
    await outbox.rememberTaskMail("3", ["nord@example.com", "store@example.com"]);
    await outbox.rememberTaskMail("4", ["x@example.com"]);
    await outbox.rememberTaskMail("3", ["nord@example.com"]);
    expect((await open()).taskMail("3")).toEqual(["nord@example.com"]);
    expect((await open()).taskMail("4")).toEqual(["x@example.com"]);
    expect((await open()).taskMail("5")).toBeUndefined();
  });

  it("a failed write answers an error and changes nothing", async () => {
    const outbox = await open();
    await outbox.add([notice("a")]);
    const db = await connect();
    await db.query("ALTER TABLE notices ADD CONSTRAINT no_more CHECK (seq < 2)");
    await expect(outbox.add([notice("b")])).rejects.toThrow(
      /cannot save notices b .*not published/,
    );
    expect(outbox.has("b")).toBe(false);
    expect(outbox.list().map((n) => n.key)).toEqual(["a"]);
    await db.query("ALTER TABLE notices DROP CONSTRAINT no_more");
    expect(await outbox.add([notice("b")])).toMatchObject([{ key: "b", seq: 2 }]);
  });
});

describe("the PostgreSQL webhook list", () => {
  const make = (id: string) => ({
    id,
    url: `http://127.0.0.1/${id}`,
    secret: "secret-secret",
    events: id === "1" ? null : (["task.planned"] as const).slice(),
    createdBy: "admin",
    createdAt: "2026-11-30T10:00:00.000Z",
  });

  it("keeps webhooks with their secrets; ids never reused, also after a reopen", async () => {
    const hooks = await PgWebhooks.open(await connect());
    await hooks.add(make);
    await hooks.add(make);
    expect(await hooks.remove("2")).toMatchObject({ id: "2" });
    expect(await hooks.remove("2")).toBeUndefined();
    expect(await hooks.remove("not-an-id")).toBeUndefined();
    const reopened = await PgWebhooks.open(await connect());
    expect(reopened.list()).toEqual([make("1")]);
    expect((await reopened.add(make)).id).toBe("3");
    expect(reopened.get("1")?.secret).toBe("secret-secret");
    expect((await PgWebhooks.open(await connect())).list().map((h) => h.id)).toEqual(["1", "3"]);
  });

  it("a webhook made with another id is refused and nothing is kept", async () => {
    const hooks = await PgWebhooks.open(await connect());
    await expect(hooks.add((id) => make(`${id}0`))).rejects.toThrow(/made for id 1 has id 10/);
    expect(hooks.list()).toEqual([]);
    expect((await hooks.add(make)).id).toBe("1");
  });
});
