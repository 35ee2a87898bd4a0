// The live hub over a real HTTP server and real SSE sockets, fed by a real fleet table:
// what each stream reconstructs from rows/gone and its counts equal a fresh query after
// random batches; a paused reader blocks only itself, its server-side buffer stays bounded
// and it gets one resync on drain; a batch too big for one event is a resync; the cost of
// one batch fanned out to 64 streams over 100,000 rows.

import {
  type ClientRequest,
  createServer,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Status } from "@tillroll/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { scopeCovers } from "../../src/accounts/scope.js";
import { compileFilters, type Filters } from "../../src/fleet/filters.js";
import { FleetTable } from "../../src/fleet/fleet-table.js";
import { rowKey, type ServiceRow } from "../../src/fleet/service-row.js";
import { LiveHub, type LiveLimits } from "../../src/live/live-hub.js";
import { RowFeed } from "../../src/live/row-feed.js";
import { countRows } from "../../src/live/status-counts.js";
import { pick, prng, RANDOM_GROUPS, randomFleet } from "../fleet/fixtures.js";
import { SseClient } from "./sse-client.js";

interface Rig {
  table: FleetTable;
  feed: RowFeed;
  hub: LiveHub;
  server: Server;
  url: string;
  /** The server side of each stream, in the order opened. */
  responses: ServerResponse[];
  clients: SseClient[];
}

const rigs: Rig[] = [];

async function rig(rows: ServiceRow[], limits: Partial<LiveLimits> = {}): Promise<Rig> {
  const table = FleetTable.fromRows(rows);
  const feed = new RowFeed();
  const hub = new LiveHub({
    feed,
    rows: table,
    pageRows: async () => (row) => ({
      ...row,
      allowedVersions: [],
      selectable: row.status !== "In Progress",
      storeZone: null,
    }),
    log: () => {},
    limits: { coalesceMs: 20, ...limits },
  });
  const responses: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const params = new URL(req.url ?? "/", "http://hub").searchParams;
    const refused = hub.open({
      req,
      res,
      operator: params.get("op") ?? "olga",
      scope: params.get("scope"),
      filters: JSON.parse(params.get("filters") ?? "{}") as Filters,
      ended: () => null,
    });
    if (refused !== null) res.writeHead(refused.status).end(JSON.stringify(refused));
    else responses.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const made: Rig = {
    table,
    feed,
    hub,
    server,
    url: `http://127.0.0.1:${port}`,
    responses,
    clients: [],
  };
  rigs.push(made);
  return made;
}

async function connect(
  r: Rig,
  view: { filters?: Filters; scope?: string; op?: string } = {},
): Promise<SseClient> {
  const params = new URLSearchParams({ filters: JSON.stringify(view.filters ?? {}) });
  if (view.scope !== undefined) params.set("scope", view.scope);
  if (view.op !== undefined) params.set("op", view.op);
  const client = await SseClient.connect(`${r.url}/?${params}`, {});
  r.clients.push(client);
  await client.next("hello");
  return client;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    for (const client of r.clients) client.close();
    await r.hub.close();
    r.server.closeAllConnections();
    await new Promise((resolve) => r.server.close(resolve));
  }
});

const STATUSES: Status[] = ["OK", "Prepared", "In Progress", "Not Ready", "Rolled Back", "Failed"];

/** Random changes to `count` rows of the table (status, group, removal, a new row), told to the feed. */
function change(r: Rig, random: () => number, count: number, serial: { n: number }): void {
  const all = r.table.all();
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const row = pick(random, all);
    const roll = random();
    if (roll < 0.1) {
      r.table.delete(rowKey(row));
      keys.push(rowKey(row));
      continue;
    }
    if (roll < 0.2) {
      serial.n += 1;
      const fresh = { ...row, store: `N${serial.n}`, status: pick(random, STATUSES) };
      r.table.upsert(fresh);
      keys.push(rowKey(fresh));
      continue;
    }
    const next = {
      ...row,
      status: pick(random, STATUSES),
      group: roll < 0.3 ? pick(random, RANDOM_GROUPS) : row.group,
      updatedAt: new Date(Date.now() + i).toISOString(),
    };
    r.table.upsert(next);
    keys.push(rowKey(next));
  }
  r.feed.emit(keys);
}

describe("the live hub", { timeout: 60_000 }, () => {
  it("rows and gone rebuild each stream's view, and its counts equal a fresh count, after random batches", async () => {
    const random = prng(12);
    const r = await rig(randomFleet(2000, random));
    const views: { filters: Filters; scope?: string }[] = [
      { filters: {} },
      { filters: { status: ["Failed", "Rolled Back"] } },
      { filters: { group: ["DE"] } },
      { filters: {}, scope: "DE/North" },
      { filters: { function: ["pos-client"], status: ["OK"] }, scope: "AT" },
      { filters: { store: ["S00001", "S00002", "S00003"] } },
      // The same view twice: the second shares the first's work (and, later, its counts).
      { filters: { status: ["Failed", "Rolled Back"] } },
    ];
    const streams = [];
    for (const view of views) {
      const predicate = compileFilters(view.filters);
      const scope = view.scope ?? null;
      const test = (row: ServiceRow) => scopeCovers(scope, row.group) && predicate(row);
      const shown = new Set(r.table.all().filter(test).map(rowKey));
      streams.push({ test, shown, client: await connect(r, view), read: 0 });
    }
    const serial = { n: 0 };
    for (let batch = 0; batch < 8; batch++) {
      if (batch === 4) {
        // Opened late, beside a stream of its view: counts taken from it, not counted.
        const view = { filters: { group: ["DE"] } };
        const predicate = compileFilters(view.filters);
        const shown = new Set(r.table.all().filter(predicate).map(rowKey));
        streams.push({ test: predicate, shown, client: await connect(r, view), read: 0 });
      }
      change(r, random, 60, serial);
      // Past the coalescing: the batch is out once every stream's counts came after it.
      await new Promise((resolve) => setTimeout(resolve, 150));
      for (const stream of streams) {
        for (const e of stream.client.events.slice(stream.read)) {
          if (e.event === "rows")
            for (const row of (e.data as { rows: ServiceRow[] }).rows)
              stream.shown.add(rowKey(row));
          if (e.event === "gone")
            for (const key of (e.data as { keys: string[] }).keys) stream.shown.delete(key);
          expect(e.event).not.toBe("resync");
        }
        stream.read = stream.client.events.length;
        const expected = r.table.all().filter(stream.test);
        expect([...stream.shown].sort()).toEqual(expected.map(rowKey).sort());
        const counts = stream.client.events.filter((e) => e.event === "counts").at(-1)?.data;
        expect(counts).toEqual(countRows(expected, () => true));
      }
    }
  });

  it("a paused reader blocks only itself: bounded server buffer, one resync on drain, then changes again", async () => {
    const random = prng(7);
    const rows = randomFleet(4000, random);
    // Up to 2,000 rows (some 800 KB) in one event: batches merged under load stay rows.
    const r = await rig(rows, { coalesceMs: 20, maxRowsPerEvent: 2000 });
    const slow = await connect(r);
    const quick = await connect(r, { op: "quick" });
    const slowRes = r.responses[0] as ServerResponse;
    slow.pause();
    const serial = { n: 0 };
    let largest = 0;
    // 80 batches of ~400 rows (~150 KB each, 12 MB in all): far past any socket buffer.
    for (let batch = 0; batch < 80; batch++) {
      change(r, random, 400, serial);
      await new Promise((resolve) => setTimeout(resolve, 50));
      largest = Math.max(largest, slowRes.writableLength);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    largest = Math.max(largest, slowRes.writableLength);
    // One event at most waits in the server's buffer (12 MB were sent to the quick reader):
    // the hub stopped writing to the slow one when its buffer filled.
    expect(largest).toBeLessThan(1024 * 1024);
    // The quick reader was not held up by the slow one: it kept getting rows.
    const quickRows = quick.events.filter((e) => e.event === "rows").length;
    expect(quickRows).toBeGreaterThan(20);
    const seenBefore = slow.events.length;
    slow.resume();
    const resync = await slow.until(
      (events) => {
        const at = events.findIndex((e, i) => i >= seenBefore && e.event === "resync");
        return at >= 0 && events.length > at + 1 ? at : undefined;
      },
      10_000,
      "resync and counts",
    );
    // After the resync its counts, and it is live again.
    expect(slow.events[resync + 1]?.event).toBe("counts");
    expect(slow.events[resync + 1]?.data).toEqual(countRows(r.table.all(), () => true));
    const after = slow.events.length;
    change(r, random, 5, serial);
    await slow.next("rows", after, 5000);
    expect(slow.events.filter((e) => e.event === "resync").length).toBe(1);
  });

  it("a batch with more rows for a stream than one event holds is a resync, with counts", async () => {
    const random = prng(3);
    const r = await rig(randomFleet(2000, random), { maxRowsPerEvent: 50 });
    const client = await connect(r);
    const from = client.events.length;
    change(r, random, 200, { n: 0 });
    await client.next("resync", from, 5000);
    const counts = await client.next("counts", from, 5000);
    expect(counts.data).toEqual(countRows(r.table.all(), () => true));
    expect(client.events.slice(from).some((e) => e.event === "rows")).toBe(false);
  });

  it("refuses the 65th stream (503) and a 9th of one operator (429)", async () => {
    const r = await rig(randomFleet(100, prng(1)), { maxClients: 4, maxPerOperator: 2 });
    await connect(r, { op: "a" });
    await connect(r, { op: "a" });
    const third = await SseClient.open(`${r.url}/?op=a`, {});
    expect(third).toMatchObject({ status: 429 });
    await connect(r, { op: "b" });
    await connect(r, { op: "c" });
    const fifth = await SseClient.open(`${r.url}/?op=d`, {});
    expect(fifth).toMatchObject({ status: 503, body: { retryAfterSeconds: 5 } });
  });

  it.each([
    ["8 views shared by 64 streams", 8],
    ["64 different views", 64],
  ])(
    "costs: one batch of 1,000 changed rows fanned out to 64 streams over 100,000 rows, %s",
    async (what, distinct) => {
      const random = prng(99);
      const r = await rig(randomFleet(100_000, random), {
        coalesceMs: 50,
        maxRowsPerEvent: 2000,
      });
      const base: Filters[] = [
        {},
        { status: ["Failed"] },
        { group: ["DE"] },
        { group: ["AT"] },
        { function: ["pos-client"] },
        { status: ["OK", "Prepared"], group: ["DE/North"] },
        { store: ["S00010", "S00011"] },
        { activeVersion: ["1.0.0"] },
      ];
      // Distinct views: the same shapes, each with a bound no row reaches (so they differ).
      const viewOf = (i: number): Filters =>
        distinct === 8
          ? (base[i % 8] ?? {})
          : { ...base[i % 8], validFromTo: new Date(Date.UTC(2100, 0, 1 + i)).toISOString() };
      // Readers that only count bytes: parsing 64 copies of each batch in this process would
      // put the test's own work (and its garbage) into the figures.
      const received = { bytes: 0 };
      const sockets: ClientRequest[] = [];
      const connectStarted = performance.now();
      for (let i = 0; i < 64; i++) {
        const params = new URLSearchParams({
          filters: JSON.stringify(viewOf(i)),
          op: `op${i % 8}`,
        });
        await new Promise<void>((resolve) => {
          const req = request(`${r.url}/?${params}`, (res) => {
            res.once("data", () => resolve());
            res.on("data", (chunk: Buffer) => {
              received.bytes += chunk.length;
            });
          });
          req.end();
          sockets.push(req);
        });
      }
      const connectMs = (performance.now() - connectStarted) / 64;
      // What a full recount per stream per batch would cost (the hub counts once, at open).
      const shown = new Map(r.table.all().map((row) => [rowKey(row), row]));
      const predicate = compileFilters({ group: ["DE"] });
      const countStarted = performance.now();
      countRows(shown.values(), (row) => scopeCovers(null, row.group) && predicate(row));
      const fullCountMs = performance.now() - countStarted;
      const batches: number[] = [];
      const slices: number[] = [];
      for (let i = 0; i < 5; i++) {
        const before = r.hub.stats.batches;
        change(r, random, 1000, { n: i * 1000 });
        const deadline = Date.now() + 10_000;
        while (r.hub.stats.batches === before && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 10));
        batches.push(r.hub.stats.lastBatchMs);
        slices.push(r.hub.stats.lastSliceMs);
      }
      for (const socket of sockets) socket.destroy();
      batches.sort((a, b) => a - b);
      const median = batches[2] ?? 0;
      console.log(
        `live fan-out, 100,000 rows, 64 streams, ${what}: a batch of ${r.hub.stats.lastBatchKeys} keys ${batches.map((ms) => ms.toFixed(1)).join(" / ")} ms (median ${median.toFixed(1)}), longest slice ${Math.max(...slices).toFixed(1)} ms; ` +
          `one full count of 100,000 rows ${fullCountMs.toFixed(1)} ms; open a stream ${connectMs.toFixed(1)} ms; ${(received.bytes / 5 / 1e6).toFixed(1)} MB sent per batch`,
      );
      // Generous for a loaded 2-core machine; the figure is the report's.
      expect(median).toBeLessThan(500);
      // Sliced: one view's share at most past the 8 ms slice.
      expect(Math.max(...slices)).toBeLessThan(500);
    },
  );
});
