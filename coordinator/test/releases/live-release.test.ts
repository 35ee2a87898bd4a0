// A release task through the real coordinator: HTTP API, embedded broker, status over MQTT
// reaching the runner through ingestion (no scan), and the runner's desired document.

import { type StatusDocument, topicFor } from "@tillroll/protocol";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import type { EnrolResult } from "../../src/operations/console-operations.js";
import type { ReleaseView } from "../../src/releases/release-model.js";
import { LiveCoordinator } from "../api/live-coordinator.js";

let live: LiveCoordinator | undefined;
afterEach(async () => {
  await live?.close();
  live = undefined;
});

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("a release task on a live coordinator", () => {
  it("start sends the desired document; the agent's OK over MQTT ends it Successful", async () => {
    live = await LiveCoordinator.start("live-release");
    const c = live;
    const enrolled = await c.call("POST", "/api/workstations", {
      workstations: [{ store: "4004", workstation: "01", group: "DE/West" }],
    });
    expect(enrolled.status).toBe(201);
    const agent = (enrolled.body as EnrolResult[])[0] as EnrolResult;
    const client = await mqtt.connectAsync(c.coordinator.brokerUrl, {
      username: agent.username,
      password: agent.password,
      clientId: "live-release-4004-01",
      protocolVersion: 4,
      clean: true,
    });
    const desired: string[] = [];
    client.on("message", (_topic, payload) => desired.push(payload.toString()));
    await client.subscribeAsync(topicFor("desired", agent), { qos: 1 });
    let seq = 1;
    const report = async (status: "OK", activeVersion: string, requestId: string | null) => {
      const doc: StatusDocument = {
        schema: 1,
        seq: seq++,
        ts: new Date().toISOString(),
        store: "4004",
        workstation: "01",
        desiredSeq: null,
        services: {
          "pos-client": {
            status,
            activeVersion,
            preferredVersion: requestId === null ? null : "1.1.0",
            requestId,
            validFrom: null,
            phase: null,
            progress: null,
            reason: null,
            updatedAt: new Date().toISOString(),
          },
        },
      };
      await client.publishAsync(topicFor("status", agent), JSON.stringify(doc), {
        qos: 1,
        retain: true,
      });
    };
    try {
      await report("OK", "1.0.0", null);
      await until("the row", async () => {
        const rows = await c.call("GET", "/api/status?store=4004");
        return Array.isArray(rows.body) && rows.body.length === 1 ? true : undefined;
      });
      const created = await c.call("POST", "/api/releases", {
        name: "west",
        function: "pos-client",
        version: "1.1.0",
        target: { group: ["DE/West"] },
        stages: [{ name: "all" }],
      });
      expect(created.status).toBe(201);
      const id = (created.body as ReleaseView).id;
      const started = await c.call("POST", "/api/releases/start", { id });
      expect(started.status).toBe(200);
      expect((started.body as ReleaseView).stages[0]?.members).toEqual(["4004/01/pos-client"]);
      const sent = await until("the desired document", async () =>
        desired.find((text) => text.includes(`rel${id}-0-0-1`)),
      );
      expect(sent).toContain("1.1.0");
      // set-preferred now skips the row, naming the release.
      const setting = await c.call("POST", "/api/set-preferred", {
        function: "pos-client",
        version: "1.0.0",
        filters: { store: ["4004"] },
      });
      expect(JSON.stringify(setting.body)).toContain(`in release task ${id} \\"west\\"`);

      await report("OK", "1.1.0", `rel${id}-0-0-1`);
      const done = await until("the release to end", async () => {
        const shown = await c.call("GET", `/api/releases/show?id=${id}`);
        const view = shown.body as ReleaseView;
        return view.state === "Successful" ? view : undefined;
      });
      expect(done.stages[0]?.counts.OK).toBe(1);
      expect(c.logs.join("\n")).toMatch(
        new RegExp(`release ${id}: Running -> Successful \\(.+\\) by release runner`),
      );
    } finally {
      await client.endAsync();
    }
  });
});
