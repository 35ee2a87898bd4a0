// The install log the coordinator keeps of the agents' `log` topic: its bounds (lines per
// row, rows, the stalest row dropped first), and GET /api/install-log on a real coordinator
// fed by real MQTT publishes, with its scope refusal and bad queries.

import { type InstallLogLine, topicFor } from "@tillroll/protocol";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InstallLog } from "../../src/ingest/install-log.js";
import type { EnrolResult } from "../../src/operations/console-operations.js";
import { LiveCoordinator } from "../api/live-coordinator.js";
import { answered, callRoute, refused } from "../api/live-routes.js";

let seq = 0;
function logLine(over: Partial<InstallLogLine> = {}): InstallLogLine {
  seq += 1;
  return {
    schema: 1,
    seq,
    ts: new Date(Date.UTC(2026, 10, 30, 12, 0, seq)).toISOString(),
    function: "pos-client",
    version: "1.1.0",
    requestId: "r-1",
    level: "info",
    source: "agent",
    stream: null,
    line: `line ${seq}`,
    ...over,
  };
}

const payload = (line: InstallLogLine) => Buffer.from(JSON.stringify(line));

describe("InstallLog's bounds", () => {
  it("keeps the last lines of each row, oldest first, of one request when asked", () => {
    const log = new InstallLog({ linesPerRow: 3, rows: 10 });
    for (let i = 0; i < 4; i++)
      expect(log.onMessage("1001", "01", payload(logLine())).ok).toBe(true);
    expect(
      log.onMessage("1001", "01", payload(logLine({ requestId: "r-2", level: "error" }))).ok,
    ).toBe(true);
    const lines = log.lines("1001/01/pos-client");
    expect(lines.map((l) => l.text)).toEqual([`line ${seq - 2}`, `line ${seq - 1}`, `line ${seq}`]);
    expect(lines[2]).toEqual({
      at: expect.any(String),
      requestId: "r-2",
      level: "error",
      text: `line ${seq}`,
    });
    expect(log.lines("1001/01/pos-client", "r-2").map((l) => l.text)).toEqual([`line ${seq}`]);
    expect(log.lines("1001/01/scale")).toEqual([]);
  });

  it("drops the row written to least recently once over its row limit", () => {
    const log = new InstallLog({ linesPerRow: 5, rows: 2 });
    log.onMessage("1001", "01", payload(logLine()));
    log.onMessage("1001", "02", payload(logLine()));
    // 1001/01 written again: now 1001/02 is the stalest.
    log.onMessage("1001", "01", payload(logLine()));
    log.onMessage("1001", "03", payload(logLine()));
    expect(log.rowCount).toBe(2);
    expect(log.lines("1001/01/pos-client")).toHaveLength(2);
    expect(log.lines("1001/02/pos-client")).toEqual([]);
    expect(log.lines("1001/03/pos-client")).toHaveLength(1);
  });

  it("holds at most rows × lines however much arrives", () => {
    const log = new InstallLog({ linesPerRow: 200, rows: 1000 });
    // 1,500 rows of 300 lines each: the last 1,000 rows keep their last 200 lines.
    for (let row = 0; row < 1500; row++)
      for (let i = 0; i < 300; i++)
        log.add(`S${row}/01/pos-client`, {
          at: "2026-11-30T12:00:00.000Z",
          requestId: null,
          level: "info",
          text: `x${i}`,
        });
    expect(log.rowCount).toBe(1000);
    let total = 0;
    for (let i = 0; i < 1500; i++) total += log.lines(`S${i}/01/pos-client`).length;
    expect(total).toBe(200_000);
    expect(log.lines("S499/01/pos-client")).toEqual([]);
    expect(log.lines("S1499/01/pos-client")[0]?.text).toBe("x100");
  });

  it("refuses a payload that is not an install log line and keeps nothing", () => {
    const log = new InstallLog();
    const refusal = log.onMessage(
      "1001",
      "01",
      Buffer.from(JSON.stringify({ ...logLine(), level: "loud" })),
    );
    expect(refusal.ok).toBe(false);
    expect(log.rowCount).toBe(0);
  });
});

describe("GET /api/install-log on a live coordinator", { timeout: 60_000 }, () => {
  let live: LiveCoordinator;
  const agents = new Map<string, MqttClient>();

  const publish = async (id: string, line: InstallLogLine) => {
    const [store = "", workstation = ""] = id.split("/");
    await agents
      .get(id)
      ?.publishAsync(topicFor("log", { store, workstation }), JSON.stringify(line), {
        qos: 1,
      });
  };

  const logOf = (query: Record<string, string>, token = live.token) =>
    callRoute(live.url, token, "installLog", query);

  beforeAll(async () => {
    live = await LiveCoordinator.start("install-log");
    const enrolled = await live.call("POST", "/api/workstations", {
      workstations: [
        { store: "5005", workstation: "01", group: "DE/North" },
        { store: "6006", workstation: "01", group: "AT" },
      ],
    });
    expect(enrolled.status, enrolled.text).toBe(201);
    for (const ws of enrolled.body as EnrolResult[])
      agents.set(
        `${ws.store}/${ws.workstation}`,
        await mqtt.connectAsync(live.coordinator.brokerUrl, {
          username: ws.username,
          password: ws.password,
          clientId: `log-${ws.store}-${ws.workstation}`,
          protocolVersion: 4,
          clean: true,
        }),
      );
  }, 30_000);

  afterAll(async () => {
    for (const client of agents.values()) await client.endAsync();
    await live?.close();
  });

  it("answers the lines an agent published, oldest first, of one request when asked", async () => {
    const first = logLine({ requestId: "r-10", line: "downloading 1.1.0" });
    const second = logLine({
      requestId: "r-10",
      level: "warn",
      source: "beforeInstall",
      stream: "stderr",
      line: "POS still open",
    });
    const third = logLine({ requestId: "r-11", level: "error", line: "health check failed" });
    for (const line of [first, second, third]) await publish("5005/01", line);
    const query = { store: "5005", workstation: "01", function: "pos-client" };
    const deadline = Date.now() + 10_000;
    let body = answered("installLog", await logOf(query));
    while ((body.lines as unknown[]).length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      body = answered("installLog", await logOf(query));
    }
    expect(body).toEqual({
      ...query,
      lines: [
        { at: first.ts, requestId: "r-10", level: "info", text: "downloading 1.1.0" },
        { at: second.ts, requestId: "r-10", level: "warn", text: "POS still open" },
        { at: third.ts, requestId: "r-11", level: "error", text: "health check failed" },
      ],
    });
    const one = answered("installLog", await logOf({ ...query, request: "r-11" }));
    expect((one.lines as { text: string }[]).map((l) => l.text)).toEqual(["health check failed"]);
    // Nothing kept for another function or another row: an empty list.
    expect(answered("installLog", await logOf({ ...query, function: "scale" })).lines).toEqual([]);
    expect(
      answered(
        "installLog",
        await logOf({ store: "9999", workstation: "01", function: "pos-client" }),
      ).lines,
    ).toEqual([]);
  });

  it("refuses a row outside the caller's scope (403) and a bad query (400), naming what was wrong", async () => {
    await publish("6006/01", logLine({ line: "AT only" }));
    const added = await live.call("POST", "/api/operators", {
      name: "nils",
      role: "viewer",
      scope: "DE/North",
    });
    expect(added.status, added.text).toBe(201);
    const { token } = added.body as { token: string };
    refused(
      await logOf({ store: "6006", workstation: "01", function: "pos-client" }, token),
      403,
      /outside your scope DE\/North/,
    );
    answered(
      "installLog",
      await logOf({ store: "5005", workstation: "01", function: "pos-client" }, token),
    );
    refused(await logOf({ store: "5005", workstation: "01" }), 400, /function/);
    refused(
      await logOf({ store: "5005", workstation: "01", function: "pos-client", request: "bad id!" }),
      400,
      /request/,
    );
    refused(
      await logOf({ store: "5005", workstation: "01", function: "pos-client", level: "info" }),
      400,
      /unknown query parameter "level"/,
    );
  });
});
