import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testDatabase } from "../../../test/support/postgres.js";
import {
  MAX_PAYLOAD_BYTES,
  parseRowNotice,
  rowNoticePayloads,
} from "../../src/replicas/row-notice.js";
import { notifyRows, RowListener } from "../../src/replicas/row-notify.js";

/**
 * Issue 14 (replicas): changed fleet-row keys go from one replica to the
 * others through NOTIFY tillroll_rows: in chunks under PostgreSQL's 8000-byte
 * payload limit, or as one "resync"; delivered at COMMIT, never after a
 * ROLLBACK; a listener that lost its connection listens again and asks for a
 * resync.
 */

vi.setConfig({ testTimeout: 30_000 });

const keys = (count: number, prefix = "1001/01/") =>
  Array.from({ length: count }, (_, i) => `${prefix}service-${String(i).padStart(5, "0")}`);

describe("rowNoticePayloads", () => {
  it("no keys: no notice; a few: one payload with each key once", () => {
    expect(rowNoticePayloads("a", [])).toEqual([]);
    expect(rowNoticePayloads("a", ["1/01/pos", "1/01/pos", "1/02/pos"])).toEqual([
      '{"o":"a","k":["1/01/pos","1/02/pos"]}',
    ]);
  });

  it("many keys: chunks under the byte limit that together hold every key once", () => {
    const all = keys(1_000);
    const payloads = rowNoticePayloads("replica-a", all);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads)
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const back = payloads.flatMap((payload) => {
      const notice = parseRowNotice(payload);
      return notice.ok && notice.value.kind === "keys" ? notice.value.keys : ["?"];
    });
    expect(back).toEqual(all);
  });

  it("counts bytes, not characters (multi-byte keys)", () => {
    const payloads = rowNoticePayloads("a", keys(400, "1001/ö€/"), { maxBytes: 1_000 });
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(1_000);
  });

  it.each([
    ["too many chunks", keys(50), { maxBytes: 200, maxPayloads: 3 }],
    ["one key larger than a payload", ["x".repeat(300)], { maxBytes: 200 }],
  ])("%s: one resync", (_, all, limits) => {
    expect(rowNoticePayloads("a", all, limits)).toEqual(['{"o":"a","resync":true}']);
  });
});

describe("parseRowNotice", () => {
  it.each([
    [
      '{"o":"a","k":["1/01/pos"]}',
      { ok: true, value: { origin: "a", kind: "keys", keys: ["1/01/pos"] } },
    ],
    ['{"o":"a","resync":true}', { ok: true, value: { origin: "a", kind: "resync" } }],
    ["not json", { ok: false, error: 'row notice is not JSON: "not json"' }],
    ["[1]", { ok: false, error: "row notice has no origin (o)" }],
    ['{"k":[]}', { ok: false, error: "row notice has no origin (o)" }],
    [
      '{"o":"a","k":[1]}',
      { ok: false, error: "row notice has neither keys (k: string[]) nor resync: true" },
    ],
    [
      '{"o":"a"}',
      { ok: false, error: "row notice has neither keys (k: string[]) nor resync: true" },
    ],
  ])("%s", (payload, expected) => {
    expect(parseRowNotice(payload)).toEqual(expected);
  });
});

describe("NOTIFY tillroll_rows on PostgreSQL", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function setup() {
    const database = await testDatabase();
    cleanups.push(() => database.drop());
    const client = new pg.Client({ connectionString: database.url });
    client.on("error", () => undefined);
    await client.connect();
    cleanups.push(() => client.end());
    const heard = { a: [] as string[], b: [] as string[], resyncs: [] as string[] };
    const listen = async (origin: "a" | "b") => {
      const listener = await RowListener.start({
        connectionString: database.url,
        origin,
        onKeys: (changed) => heard[origin].push(...changed),
        onResync: (reason) => heard.resyncs.push(`${origin}: ${reason}`),
        log: () => undefined,
        retryMs: 200,
      });
      cleanups.push(() => listener.close());
      return listener;
    };
    return { database, client, heard, listen };
  }

  async function until(what: string, test: () => boolean, ms = 5_000): Promise<void> {
    const started = Date.now();
    while (!test()) {
      if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("another replica hears every key once, in chunks; the sender does not hear itself", async () => {
    const { client, heard, listen } = await setup();
    await listen("a");
    await listen("b");
    const all = keys(2_000);
    await notifyRows(client, "a", all);
    await until("b heard every key", () => heard.b.length >= all.length);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard.b).toEqual(all);
    expect(heard.a).toEqual([]);
    // 2,000 keys need several payloads of < 8000 bytes each (PostgreSQL refuses larger).
    expect(rowNoticePayloads("a", all).length).toBeGreaterThan(3);
  });

  it("a change too large to list arrives as one resync", async () => {
    const { client, heard, listen } = await setup();
    await listen("b");
    await notifyRows(client, "a", keys(20_000));
    await until("b resyncs", () => heard.resyncs.length > 0);
    expect(heard.resyncs).toEqual(["b: a asked"]);
    expect(heard.b).toEqual([]);
  });

  it("inside a transaction: delivered at COMMIT, never after ROLLBACK", async () => {
    const { client, heard, listen } = await setup();
    await listen("b");
    await client.query("BEGIN");
    await notifyRows(client, "a", ["1001/01/rolled-back"]);
    await client.query("ROLLBACK");
    await client.query("BEGIN");
    await notifyRows(client, "a", ["1001/01/committed"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard.b).toEqual([]);
    await client.query("COMMIT");
    await until("b heard the commit", () => heard.b.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard.b).toEqual(["1001/01/committed"]);
  });

  it("its connection killed, a listener listens again, asks for a resync, and hears later changes", async () => {
    const { client, heard, listen } = await setup();
    const listener = await listen("b");
    const pids = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'tillroll-row-listener' AND datname = current_database()",
    );
    expect(pids.rows).toHaveLength(1);
    await client.query("SELECT pg_terminate_backend($1)", [pids.rows[0]?.pid]);
    await until("b resyncs", () => heard.resyncs.length > 0);
    expect(heard.resyncs).toEqual(["b: listening again after a lost connection"]);
    expect(listener.listening).toBe(true);
    await notifyRows(client, "a", ["1001/02/pos"]);
    await until("b heard it", () => heard.b.length > 0);
    expect(heard.b).toEqual(["1001/02/pos"]);
  });
});
