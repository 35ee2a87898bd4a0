// Issue 14 (replicas): web sessions in PostgreSQL. Two stores on one database are two
// replicas behind a load balancer: a session opened through one is accepted by the other,
// and whatever ends it on one (logout, a reset or removed operator, expiry) ends it on both.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, testDatabase } from "../../../test/support/postgres.js";
import type { AuthenticatedOperator } from "../../src/accounts/operators.js";
import { authenticateRequest, recallSession } from "../../src/accounts/request-auth.js";
import { hashSessionId } from "../../src/accounts/shared-sessions.js";
import { openPgStore, type PgCoordinatorStore } from "../../src/store/pg/open-pg-store.js";

beforeAll(() => startPostgres(), 120_000);

const IDLE_MS = 60_000;
/** A tenth of the idle timeout (shared-sessions.ts lastUseWriteEveryMs). */
const WRITE_EVERY_MS = 6_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const anna: AuthenticatedOperator = {
  name: "anna",
  role: "operator",
  scope: "DE",
  credentialId: "anna-1",
} as AuthenticatedOperator;
const bert: AuthenticatedOperator = { ...anna, name: "bert", credentialId: "bert-1" };

/** Two replicas on one database and one (fake) clock; `sql` reads the table directly. */
async function twoReplicas() {
  const database = await testDatabase();
  cleanups.push(() => database.drop());
  const dataDir = mkdtempSync(join(tmpdir(), "tillroll-sessions-"));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const clock = { at: Date.parse("2026-11-30T08:00:00Z") };
  const open = async () => {
    const store = await openPgStore({
      dataDir,
      database: database.url,
      now: () => clock.at,
      log: () => undefined,
      webSessions: { idleTimeoutMs: IDLE_MS },
    });
    cleanups.push(() => store.close());
    return store;
  };
  const a: PgCoordinatorStore = await open();
  const b: PgCoordinatorStore = await open();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  cleanups.push(() => client.end());
  const sql = async (text: string, values: unknown[] = []) =>
    (await client.query(text, values)).rows as Record<string, unknown>[];
  return { a: a.webSessions, b: b.webSessions, clock, sql };
}

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("web sessions shared by replicas (PostgreSQL)", () => {
  it("a session opened through one replica is accepted by the other, with the same CSRF token; the table holds a hash of its id", async () => {
    const { a, b, sql } = await twoReplicas();
    const session = await a.create(anna);
    // B has not seen it: the synchronous check alone does not know it, recall reads it once.
    expect(b.touch(session.id)).toBeNull();
    await b.recall?.(session.id);
    const onB = b.touch(session.id);
    expect(onB).toMatchObject({ id: session.id, name: "anna", credentialId: "anna-1" });
    expect(onB?.csrfToken).toBe(session.csrfToken);
    expect(a.touch(session.id)?.name).toBe("anna");
    // Recall is a no-op for a session held (no round trip), and for an unknown id it finds none.
    await b.recall?.("no-such-session-id-000000000000");
    expect(b.touch("no-such-session-id-000000000000")).toBeNull();

    const rows = await sql("SELECT * FROM web_sessions");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id_hash).toBe(hashSessionId(session.id));
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(session.id);
    expect(stored).not.toContain(session.csrfToken);
  });

  it("logout on one replica ends the session on the other", async () => {
    const { a, b } = await twoReplicas();
    const session = await a.create(anna);
    await b.recall?.(session.id);
    expect(b.touch(session.id)).not.toBeNull();
    expect(await a.delete(session.id)).toBe(true);
    expect(a.touch(session.id)).toBeNull();
    // B held it in memory: the NOTIFY sent with the delete drops it there.
    await until(() => b.peek(session.id) === null);
    await b.recall?.(session.id);
    expect(b.touch(session.id)).toBeNull();
  });

  it("a rotated password (or a removed operator) ends that operator's sessions on every replica, no one else's", async () => {
    const { a, b, sql } = await twoReplicas();
    const onA = await a.create(anna);
    const onB = await b.create(anna);
    const other = await b.create(bert);
    for (const id of [onA.id, onB.id, other.id]) {
      await a.recall?.(id);
      await b.recall?.(id);
    }
    expect(await a.deleteForOperator("anna")).toBe(2);
    await until(() => b.peek(onA.id) === null && b.peek(onB.id) === null);
    for (const store of [a, b]) {
      expect(store.touch(onA.id)).toBeNull();
      expect(store.touch(onB.id)).toBeNull();
      expect(store.touch(other.id)?.name).toBe("bert");
    }
    expect(await sql("SELECT operator FROM web_sessions")).toEqual([{ operator: "bert" }]);
  });

  it("sliding expiry: use on one replica keeps the session alive on the other, writing the last use at most every interval", async () => {
    const { a, b, clock, sql } = await twoReplicas();
    const session = await a.create(anna);
    const createdAt = clock.at;
    await b.recall?.(session.id);
    const lastUse = async () => {
      const [row] = await sql("SELECT last_used_at FROM web_sessions");
      return (row?.last_used_at as Date | undefined)?.getTime();
    };
    // Requests within the interval touch memory only.
    clock.at += WRITE_EVERY_MS - 1;
    expect(a.touch(session.id)).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await lastUse()).toBe(createdAt);
    // One request every half idle timeout on A, for three idle timeouts: A writes it back.
    for (let i = 0; i < 6; i++) {
      clock.at += IDLE_MS / 2;
      expect(a.touch(session.id), `request ${i}`).not.toBeNull();
      const written = clock.at;
      await until(async () => (await lastUse()) === written);
    }
    // B last saw it three idle timeouts ago: by its memory it ended, the row says not.
    expect(b.peek(session.id)).toBeNull();
    await b.recall?.(session.id);
    expect(b.touch(session.id)?.name).toBe("anna");
  });

  it("expired sessions end on both replicas and are swept from the table", async () => {
    const { a, b, clock, sql } = await twoReplicas();
    const idle = await a.create(anna);
    const busy = await a.create(bert);
    await b.recall?.(idle.id);
    clock.at += IDLE_MS - 1;
    a.touch(busy.id);
    await until(
      async () =>
        (await sql("SELECT 1 FROM web_sessions WHERE last_used_at > created_at")).length === 1,
    );
    clock.at += 1;
    for (const store of [a, b]) {
      await store.recall?.(idle.id);
      expect(store.touch(idle.id)).toBeNull();
    }
    // The sweep keeps an ended row one write interval (another replica's use may not be written yet).
    expect(await a.sweep()).toBe(0);
    clock.at += WRITE_EVERY_MS;
    expect(await a.sweep()).toBe(1);
    expect(await sql("SELECT operator FROM web_sessions")).toEqual([{ operator: "bert" }]);
    expect(a.touch(busy.id)?.name).toBe("bert");
  });

  it("a replica whose operators are a moment behind a reset refuses a newer session but does not delete it for the others", async () => {
    const { a, b, sql } = await twoReplicas();
    // anna was reset (credential anna-2) and logged in again through a; b still knows anna-1.
    const renewed = await a.create({ ...anna, credentialId: "anna-2" });
    const directory = (credentialId: string) => ({
      authenticateToken: () => null,
      lookup: (name: string) => (name === "anna" ? { ...anna, credentialId } : undefined),
    });
    const cookie = `tillroll_session=${renewed.id}`;
    const ask = async (sessions: typeof a, credentialId: string) => {
      const deps = { directory: directory(credentialId), sessions };
      await recallSession({ method: "GET", cookie }, deps);
      return authenticateRequest({ method: "GET", cookie }, "GET /api/status", deps).ok;
    };
    expect(await ask(b, "anna-1")).toBe(false);
    // Nothing deleted it, also not in the background.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rows = await sql("SELECT 1 FROM web_sessions WHERE id_hash = $1", [
      hashSessionId(renewed.id),
    ]);
    expect(rows).toHaveLength(1);
    expect(await ask(a, "anna-2")).toBe(true);
    // Once b has read the operators again, the session works there too.
    expect(await ask(b, "anna-2")).toBe(true);
  });
});
