// GET /api/events on a real coordinator: real MQTT status and presence publishes, console
// changes and removals reach real SSE sockets, filtered by each stream's view and scope,
// with gone keys and counts that agree with /api/status; the caps, the session check of
// the heartbeat and shutdown.

import { type ServiceStatus, STATUSES, type StatusDocument, topicFor } from "@tillroll/protocol";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnrolResult } from "../../src/operations/console-operations.js";
import { LiveCoordinator } from "../api/live-coordinator.js";
import { type SseClient as Client, SseClient, type SseEvent } from "./sse-client.js";

type Row = Record<string, unknown> & { store: string; workstation: string; function: string };

const keyOf = (row: Row) => `${row.store}/${row.workstation}/${row.function}`;

/** The rows events' rows from index `from` on. */
function rowsSeen(events: readonly SseEvent[], from = 0): Row[] {
  return events
    .slice(from)
    .filter((e) => e.event === "rows")
    .flatMap((e) => (e.data as { rows: Row[] }).rows);
}

function goneSeen(events: readonly SseEvent[], from = 0): string[] {
  return events
    .slice(from)
    .filter((e) => e.event === "gone")
    .flatMap((e) => (e.data as { keys: string[] }).keys);
}

const lastCounts = (events: readonly SseEvent[]) =>
  events.filter((e) => e.event === "counts").at(-1)?.data as Record<string, number>;

describe("GET /api/events on a live coordinator", { timeout: 120_000 }, () => {
  let live: LiveCoordinator;
  const agents = new Map<string, { client: MqttClient; seq: number }>();
  const open: Client[] = [];

  const stream = async (query = "", token = live.token) => {
    const client = await SseClient.connect(`${live.url}/api/events${query}`, {
      authorization: `Bearer ${token}`,
    });
    open.push(client);
    await client.next("hello");
    return client;
  };

  /** A status report of `id` (store/ws) with one pos-client service. */
  const report = async (id: string, service: Partial<ServiceStatus>) => {
    const agent = agents.get(id);
    if (agent === undefined) throw new Error(`no agent ${id}`);
    agent.seq += 1;
    const [store = "", workstation = ""] = id.split("/");
    const doc: StatusDocument = {
      schema: 1,
      seq: agent.seq,
      ts: new Date().toISOString(),
      store,
      workstation,
      desiredSeq: null,
      services: {
        "pos-client": {
          status: "OK",
          activeVersion: "1.0.0",
          preferredVersion: null,
          requestId: null,
          validFrom: null,
          phase: null,
          progress: null,
          reason: null,
          updatedAt: new Date().toISOString(),
          ...service,
        },
      },
    };
    await agent.client.publishAsync(
      topicFor("status", { store, workstation }),
      JSON.stringify(doc),
      {
        qos: 1,
        retain: true,
      },
    );
  };

  const presence = async (id: string, state: "online" | "offline") => {
    const agent = agents.get(id);
    if (agent === undefined) throw new Error(`no agent ${id}`);
    agent.seq += 1;
    const [store = "", workstation = ""] = id.split("/");
    await agent.client.publishAsync(
      topicFor("presence", { store, workstation }),
      JSON.stringify({
        schema: 1,
        seq: agent.seq,
        ts: new Date().toISOString(),
        state,
        agentVersion: "0.1.0",
      }),
      { qos: 1, retain: true },
    );
  };

  /** Per-status counts of /api/status with `query`, as `token` sees them. */
  const countsOf = async (query: string, token = live.token) => {
    const response = await fetch(`${live.url}/api/status${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const rows = (await response.json()) as { status: string }[];
    const counts: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const row of rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
    return counts;
  };

  const addOperator = async (name: string, role: string, scope?: string) => {
    const added = await live.call("POST", "/api/operators", {
      name,
      role,
      ...(scope === undefined ? {} : { scope }),
    });
    expect(added.status, added.text).toBe(201);
    return added.body as { token: string; password: string };
  };

  beforeAll(async () => {
    live = await LiveCoordinator.start("live-events", { live: { pingMs: 300 } });
    const enrolled = await live.call("POST", "/api/workstations", {
      workstations: [
        { store: "5005", workstation: "01", group: "DE/North" },
        { store: "6006", workstation: "01", group: "AT" },
        { store: "7007", workstation: "01", group: "AT" },
      ],
    });
    expect(enrolled.status, enrolled.text).toBe(201);
    for (const ws of enrolled.body as EnrolResult[]) {
      const client = await mqtt.connectAsync(live.coordinator.brokerUrl, {
        username: ws.username,
        password: ws.password,
        clientId: `events-${ws.store}-${ws.workstation}`,
        protocolVersion: 4,
        clean: true,
      });
      agents.set(`${ws.store}/${ws.workstation}`, { client, seq: 0 });
    }
  }, 60_000);

  afterAll(async () => {
    for (const client of open) client.close();
    for (const { client } of agents.values()) await client.endAsync();
    await live?.close();
  });

  it("sends the rows of its view that changed, with the page row fields, and counts that agree with /api/status", async () => {
    const north = await stream("?group=DE/North");
    expect(lastCounts(north.events)).toEqual(await countsOf("?group=DE/North"));
    const from = north.events.length;
    await report("6006/01", { status: "Failed", reason: "disk full" });
    await report("5005/01", { status: "Failed", reason: "hook failed" });
    const row = await north.until(
      (events) => rowsSeen(events, from).find((r) => keyOf(r) === "5005/01/pos-client"),
      10_000,
      "the 5005/01 row",
    );
    expect(row).toMatchObject({
      status: "Failed",
      reason: "hook failed",
      group: "DE/North",
      selectable: true,
      storeZone: null,
      lastReport: expect.any(String),
    });
    // Packs 1.1.0 (from 1.0.x) and 1.3.0 (from >=1.0.0) are offered to 1.0.0; "-" is the console's.
    expect(row.allowedVersions).toEqual(["1.3.0", "1.1.0"]);
    // 6006/01 is AT: never in this view.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(rowsSeen(north.events).map(keyOf)).not.toContain("6006/01/pos-client");
    expect(lastCounts(north.events)).toEqual(await countsOf("?group=DE/North"));
  });

  it("a row that leaves the view is gone; counts follow it out", async () => {
    const failed = await stream("?status=failed");
    await report("5005/01", { status: "Failed", reason: "again" });
    await failed.until(
      (events) => rowsSeen(events).some((r) => keyOf(r) === "5005/01/pos-client"),
      10_000,
      "the failed row",
    );
    const before = lastCounts(failed.events).Failed ?? 0;
    const from = failed.events.length;
    await report("5005/01", { status: "OK", activeVersion: "1.1.0" });
    const gone = await failed.until(
      (events) => goneSeen(events, from).includes("5005/01/pos-client") && goneSeen(events, from),
      10_000,
      "gone 5005/01",
    );
    expect(gone).toEqual(["5005/01/pos-client"]);
    await failed.until((events) => lastCounts(events).Failed === before - 1, 5000, "counts");
    expect(lastCounts(failed.events)).toEqual(await countsOf("?status=failed"));
  });

  it("a scoped viewer sees only its scope, with counts of its scope", async () => {
    const { token } = await addOperator("nora", "viewer", "DE/North");
    const scoped = await stream("", token);
    expect(lastCounts(scoped.events)).toEqual(await countsOf("", token));
    expect(Object.values(lastCounts(scoped.events)).reduce((a, b) => a + b, 0)).toBe(3);
    const from = scoped.events.length;
    await report("7007/01", { status: "Not Ready", reason: "POS busy" });
    await report("5005/01", { status: "Not Ready", reason: "POS busy" });
    await scoped.until(
      (events) => rowsSeen(events, from).some((r) => keyOf(r) === "5005/01/pos-client"),
      10_000,
      "the in-scope row",
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(rowsSeen(scoped.events).map((r) => r.group)).not.toContain("AT");
    expect(lastCounts(scoped.events)).toEqual(await countsOf("", token));
  });

  it("presence flips, console changes and removals reach the stream", async () => {
    const all = await stream();
    let from = all.events.length;
    await presence("6006/01", "online");
    const online = await all.until(
      (events) => rowsSeen(events, from).find((r) => keyOf(r) === "6006/01/pos-client"),
      10_000,
      "6006/01 online",
    );
    expect(online.online).toBe(true);
    from = all.events.length;
    const set = await live.call("POST", "/api/set-preferred", {
      function: "pos-client",
      version: "1.3.0",
      filters: { store: "1001" },
    });
    expect(set.status, set.text).toBe(200);
    const changed = await all.until(
      (events) => {
        const rows = rowsSeen(events, from).filter((r) => r.store === "1001");
        return rows.length === 2 && rows;
      },
      10_000,
      "the set-preferred rows",
    );
    expect(changed.map((r) => r.preferredVersion)).toEqual(["1.3.0", "1.3.0"]);
    from = all.events.length;
    const removed = await live.call("POST", "/api/workstations/remove", {
      store: "7007",
      workstation: "01",
    });
    expect(removed.status, removed.text).toBe(200);
    await all.until(
      (events) => goneSeen(events, from).includes("7007/01/pos-client"),
      10_000,
      "gone 7007/01",
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(lastCounts(all.events)).toEqual(await countsOf(""));
  });

  it("ends the stream when the session ends (checked at the heartbeat, which does not touch it)", async () => {
    const { password } = await addOperator("sven", "viewer");
    const login = await fetch(`${live.url}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "sven", password }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const client = await SseClient.connect(`${live.url}/api/events`, { cookie });
    open.push(client);
    await client.next("hello");
    await client.until((_) => client.pings >= 2, 5000, "two pings");
    expect(client.ended).toBe(false);
    const logout = await fetch(`${live.url}/api/session/end`, {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrfToken },
    });
    expect(logout.status).toBe(200);
    const ended = await client.next("ended", 0, 5000);
    expect(ended.data).toEqual({ reason: "your session has ended: log in again" });
    await client.until((_) => client.ended, 5000, "the end of the stream");
  });

  it("ends a token's stream when its operator is reset", async () => {
    const { token } = await addOperator("rita", "viewer");
    const client = await stream("", token);
    const reset = await live.call("POST", "/api/operators/reset", { name: "rita" });
    expect(reset.status, reset.text).toBe(200);
    const ended = await client.next("ended", 0, 5000);
    expect(ended.data).toEqual({ reason: "your password or token was reset: log in again" });
    await client.until((_) => client.ended, 5000, "the end of the stream");
  });

  it("caps streams: 8 per operator (429), 64 in all (503 with Retry-After)", async () => {
    for (const client of open.splice(0)) client.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const tokens = [live.token];
    for (let i = 0; i < 7; i++) tokens.push((await addOperator(`cap${i}`, "viewer")).token);
    const mine: Client[] = [];
    for (let i = 0; i < 8; i++) mine.push(await stream("", live.token));
    const ninth = await SseClient.open(`${live.url}/api/events`, {
      authorization: `Bearer ${live.token}`,
    });
    expect(ninth).toMatchObject({
      status: 429,
      body: { error: expect.stringMatching(/8 live streams/) },
    });
    for (const token of tokens.slice(1))
      for (let i = 0; i < 8; i++) mine.push(await stream("", token));
    expect(mine.length).toBe(64);
    const { token } = await addOperator("late", "viewer");
    const refused = await SseClient.open(`${live.url}/api/events`, {
      authorization: `Bearer ${token}`,
    });
    expect(refused).toMatchObject({
      status: 503,
      headers: { "retry-after": "5" },
      body: { error: expect.stringMatching(/too many live streams open \(64\)/) },
    });
    // Every one of the 64 still gets changes.
    const from = mine.map((client) => client.events.length);
    await report("5005/01", { status: "Prepared" });
    for (const [i, client] of mine.entries())
      await client.until(
        (events) => rowsSeen(events, from[i]).some((r) => keyOf(r) === "5005/01/pos-client"),
        10_000,
        `the change on stream ${i}`,
      );
    // A closed stream frees its place.
    mine.pop()?.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again = await stream("", token);
    expect(again.events[0]?.event).toBe("hello");
    for (const client of mine) client.close();
  });
});

describe("shutdown", { timeout: 60_000 }, () => {
  it("ends every open stream, and stop() does not wait for them", async () => {
    const live = await LiveCoordinator.start("live-shutdown");
    const clients = await Promise.all(
      [0, 1, 2].map(() =>
        SseClient.connect(`${live.url}/api/events`, { authorization: `Bearer ${live.token}` }),
      ),
    );
    for (const client of clients) await client.next("hello");
    const started = Date.now();
    await live.close();
    expect(Date.now() - started).toBeLessThan(5000);
    for (const client of clients) await client.until((_) => client.ended, 2000, "the end");
  });
});
