import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type TestDatabase, testDatabase } from "../../../test/support/postgres.js";
import type { CommandNotice } from "../../src/replicas/command-queue.js";
import { migrateSchema } from "../../src/store/pg/migrate-schema.js";
import { PgCommandQueue } from "../../src/store/pg/pg-command-queue.js";
import { openPgDatabase, type PgDatabase } from "../../src/store/pg/pg-database.js";

/**
 * Issue 14 (replicas): the hand-over of release commands in PostgreSQL
 * (migration 004): each state change is one conditional UPDATE, told on
 * `tillroll_commands`; a claim and an abandon exclude each other; a command
 * nobody took within a minute is abandoned, never run late.
 */

vi.setConfig({ testTimeout: 30_000 });

let database: TestDatabase;
let db: PgDatabase;
let queue: PgCommandQueue;

beforeAll(async () => {
  database = await testDatabase();
  db = openPgDatabase({ url: database.url });
  await migrateSchema(db);
  queue = new PgCommandQueue(db, database.url, () => undefined);
}, 60_000);

afterAll(async () => {
  await queue?.close();
  await db?.close();
  await database?.drop();
});

describe("PgCommandQueue", () => {
  it("pending -> claimed -> done, each change told; a second claim and a late abandon change nothing", async () => {
    const heard: CommandNotice[] = [];
    queue.listen((notice) => heard.push(notice));
    // The listening connection opens on the first listen.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const id = await queue.submit("operate", { kind: "operate", id: "7" });
    expect(await queue.pending()).toContain(id);
    expect(await queue.claim(id)).toEqual({
      kind: "operate",
      payload: { kind: "operate", id: "7" },
    });
    expect(await queue.claim(id)).toBeNull();
    expect(await queue.abandon(id)).toBe(false);
    await queue.finish(id, { value: { ok: true } });
    expect(await queue.read(id)).toEqual({ state: "done", result: { value: { ok: true } } });
    const deadline = Date.now() + 5_000;
    while (heard.filter((n) => n.id === id).length < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard.filter((n) => n.id === id)).toEqual([
      { id, state: "pending" },
      { id, state: "claimed" },
      { id, state: "done" },
    ]);
  });

  it("an abandoned command is never claimed", async () => {
    const id = await queue.submit("created", { kind: "created", id: "8" });
    expect(await queue.abandon(id)).toBe(true);
    expect(await queue.claim(id)).toBeNull();
    expect((await queue.read(id))?.state).toBe("abandoned");
    expect(await queue.pending()).not.toContain(id);
  });

  it("a command pending for a minute is abandoned by the next look, not run", async () => {
    const id = await queue.submit("operate", { kind: "operate", id: "9" });
    await db.query(
      "UPDATE replica_commands SET created_at = now() - interval '61 seconds' WHERE id = $1",
      [id],
    );
    expect(await queue.claim(id)).toBeNull();
    expect(await queue.pending()).not.toContain(id);
    expect((await queue.read(id))?.state).toBe("abandoned");
  });
});
