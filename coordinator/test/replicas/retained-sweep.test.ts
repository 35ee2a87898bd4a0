import { encodePayload, topicFor } from "@tillroll/protocol";
import mqtt from "mqtt";
import { describe, expect, it, vi } from "vitest";
import type { Coordinator } from "../../src/coordinator.js";
import { replicaFixture, statusDoc } from "./replica-fixture.js";

/**
 * Issue 14 (replicas): a report no replica wrote is read again from the broker's
 * retained messages when a replica takes the lead. Replicas subscribe through a shared
 * subscription, which the broker never answers with retained messages; a report the
 * broker handed a replica that was then killed (kill -9, before its ~100 ms batch was
 * written) or that a till sent while no replica was connected would otherwise stay lost
 * until the till reports again, and a release stage would wait on it until its timeout.
 * Here: a till's status is published while no replica runs; the next one to lead has it.
 * And presence (the `online` column, kept in memory): every replica hears every till's.
 */

vi.setConfig({ testTimeout: 60_000 });

const fixture = replicaFixture("retained-sweep");
const { call } = fixture;

function replica(name: string, log: string[]): Promise<Coordinator> {
  return fixture.replica(name, log, { replicaGroup: "tillroll" });
}

/** A till's report as it publishes it, its seq the time (the later, the newer). */
function status(store: string, workstation: string, version: string) {
  return statusDoc({ store, workstation }, version, Date.now() * 1000);
}

describe("the retained reports sweep of a new leader", () => {
  it("every replica shows every till online, whichever replica its status and presence reached", async () => {
    const log: string[] = [];
    const a = await replica("a", log);
    const b = await replica("b", log);
    try {
      const tills = Array.from({ length: 6 }, (_, i) => ({
        store: "9009",
        workstation: `0${i + 1}`,
      }));
      const enrolled = await call(a, "POST", "/api/workstations", {
        workstations: tills.map((ws) => ({ ...ws, group: null })),
      });
      expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
      const client = await mqtt.connectAsync(fixture.brokerUrl, {
        protocolVersion: 4,
        clean: true,
      });
      for (const ws of tills) {
        const presence = encodePayload("presence", {
          schema: 1,
          seq: Date.now() * 1000,
          ts: new Date().toISOString(),
          state: "online",
          agentVersion: null,
        });
        if (!presence.ok) throw new Error(presence.error);
        await client.publishAsync(topicFor("presence", ws), presence.value, {
          qos: 1,
          retain: true,
        });
        await client.publishAsync(
          topicFor("status", ws),
          JSON.stringify(status(ws.store, ws.workstation, "1.0.0")),
          { qos: 1, retain: true },
        );
      }
      await client.endAsync();
      // Round-robin hands each replica some of the presences: both must show all six.
      const deadline = Date.now() + 10_000;
      const online = async (on: Coordinator) =>
        ((await call(on, "GET", "/api/status?store=9009")).body as { online: boolean }[]).filter(
          (r) => r.online,
        ).length;
      while ((await online(a)) !== 6 || (await online(b)) !== 6) {
        if (Date.now() > deadline)
          throw new Error(`online: a ${await online(a)}, b ${await online(b)} of 6`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("takes a status published while no replica was subscribed", async () => {
    const log: string[] = [];
    const a = await replica("a", log);
    const enrolled = await call(a, "POST", "/api/workstations", {
      store: "8008",
      workstation: "01",
      group: null,
    });
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    await a.stop();

    // The till reports, retained as agents do, while no replica runs.
    const client = await mqtt.connectAsync(fixture.brokerUrl, { protocolVersion: 4, clean: true });
    const ws = { store: "8008", workstation: "01" };
    await client.publishAsync(
      topicFor("status", ws),
      JSON.stringify(status("8008", "01", "1.2.0")),
      {
        qos: 1,
        retain: true,
      },
    );
    await client.endAsync();

    const b = await replica("b", log);
    try {
      const deadline = Date.now() + 10_000;
      let rows: { status: string; activeVersion: string | null }[] = [];
      for (;;) {
        rows = (await call(b, "GET", "/api/status?store=8008")).body as typeof rows;
        if (rows.length === 1 && rows[0]?.activeVersion === "1.2.0") break;
        if (Date.now() > deadline)
          throw new Error(`b's rows: ${JSON.stringify(rows)}\n${log.join("\n")}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(rows[0]?.status).toBe("OK");
      const swept = /^b retained reports sweep: [1-9]\d* retained/;
      while (!log.some((line) => swept.test(line))) {
        if (Date.now() > deadline) throw new Error(`no sweep line:\n${log.join("\n")}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await b.stop();
    }
  });
});
