// GET /api/install-log on a real coordinator fed by real MQTT publishes: a line is kept
// before the embedded broker acknowledges it, the `after` cursor, the scope refusal and bad
// queries. (The store's bounds: test/store/json-install-logs.test.ts.)

import { type InstallLogLine, topicFor } from "@tillroll/protocol";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    // Sent twice: the second (a re-send after a lost PUBACK) is kept once.
    for (const line of [first, second, first, third]) await publish("5005/01", line);
    const query = { store: "5005", workstation: "01", function: "pos-client" };
    // No waiting: the broker acknowledged each line only once it was kept.
    const body = answered("installLog", await logOf(query));
    const agent = { source: "agent", stream: null };
    expect(body).toEqual({
      ...query,
      lines: [
        { at: first.ts, requestId: "r-10", level: "info", ...agent, text: "downloading 1.1.0" },
        {
          at: second.ts,
          requestId: "r-10",
          level: "warn",
          source: "beforeInstall",
          stream: "stderr",
          text: "POS still open",
        },
        { at: third.ts, requestId: "r-11", level: "error", ...agent, text: "health check failed" },
      ],
      next: 3,
    });
    const fourth = logLine({ requestId: "r-12", line: "rolled back" });
    await publish("5005/01", fourth);
    const followed = answered("installLog", await logOf({ ...query, after: "3" }));
    expect(followed).toMatchObject({ lines: [{ text: "rolled back" }], next: 4 });
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
    refused(
      await logOf({ store: "5005", workstation: "01", function: "pos-client", after: "-1" }),
      400,
      /after must be a whole number/,
    );
  });
});
