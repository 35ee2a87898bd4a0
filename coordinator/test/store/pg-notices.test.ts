// The notices outbox and the webhook list on PostgreSQL, on a real server: the outbox
// contract (test/notices/contract-outbox.ts, also run on the JSON outbox), a notice kept
// whole, a failed write changing nothing; webhook ids are never reused.

import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startPostgres, type TestDatabase, testDatabase } from "../../../test/support/postgres.js";
import type { NewNotice } from "../../src/notices/outbox.js";
import { migrateSchema } from "../../src/store/pg/migrate-schema.js";
import { openPgDatabase, type PgDatabase } from "../../src/store/pg/pg-database.js";
import { PgOutbox } from "../../src/store/pg/pg-outbox.js";
import { PgWebhooks } from "../../src/store/pg/pg-webhooks.js";
import { outboxContract } from "../notices/contract-outbox.js";

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
  outboxContract({
    open,
    notice,
    advance: (ms) => {
      nowMs += ms;
    },
  });

  it("numbers notices in order and keeps them whole", async () => {
    const outbox = await open();
    const added = await outbox.add([notice("a"), notice("b")]);
    expect(added.map((n) => n.seq)).toEqual([1, 2]);
    expect((await open()).list()).toEqual(added);
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
