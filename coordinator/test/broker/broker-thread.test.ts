import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { crashBrokerThreadForTest } from "../../src/broker/embedded-broker.js";
import {
  AGENT1,
  AGENT2,
  closed,
  collect,
  connectAs,
  end,
  startTestBroker,
  subscribe,
  type TestBroker,
  topic,
  WS2,
  waitFor,
} from "./helpers.js";

/**
 * What crosses between the coordinator's thread and the broker's worker
 * thread (embedded-broker.ts ↔ broker-thread.ts): beforeAck, disconnect, the
 * broker's own publish, and a failure of the thread.
 */

// Starting a broker thread loads aedes and the protocol afresh (and, for these
// tests, compiles the TS sources): seconds on a loaded machine.
const SLOW = { timeout: 20_000 };

const brokers: TestBroker[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  await end(...clients.splice(0));
  await Promise.all(brokers.splice(0).map((broker) => broker.close()));
});

async function as(broker: TestBroker, creds: Parameters<typeof connectAs>[1]) {
  const client = await connectAs(broker.url, creds, { reconnectPeriod: 0 });
  clients.push(client);
  return client;
}

describe("embedded broker thread", () => {
  it(
    "waits for beforeAck on the kinds asked for only, and acknowledges once it resolves",
    SLOW,
    async () => {
      const seen: string[] = [];
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const broker = await startTestBroker([AGENT1], {
        beforeAckKinds: ["log"],
        beforeAck: async (topicName, payload) => {
          seen.push(`${topicName} ${payload.toString("utf8")}`);
          await held;
        },
      });
      brokers.push(broker);
      const agent = await as(broker, AGENT1);
      // A status is acknowledged without asking the coordinator.
      await agent.publishAsync(topic("status"), '{"s":1}', { qos: 1 });
      expect(seen).toEqual([]);
      // A log line is acknowledged only once beforeAck resolves.
      let acked = false;
      const logged = agent.publishAsync(topic("log"), '{"line":1}', { qos: 1 }).then(() => {
        acked = true;
      });
      await waitFor("beforeAck called", () => seen.length === 1);
      expect(seen).toEqual([`${topic("log")} {"line":1}`]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(acked).toBe(false);
      release();
      await logged;
      expect(acked).toBe(true);
    },
  );

  it("closes the connection unacknowledged when beforeAck rejects", SLOW, async () => {
    const broker = await startTestBroker([AGENT1], {
      beforeAck: () => Promise.reject(new Error("disk full")),
    });
    brokers.push(broker);
    const agent = await as(broker, AGENT1);
    const gone = closed(agent);
    agent.publish(topic("log"), '{"line":1}', { qos: 1 });
    await gone;
    await waitFor("the refusal logged", () =>
      broker.logs.some((line) => line.includes("not kept, not acknowledged: disk full")),
    );
  });

  it("disconnects the logged-in clients a predicate names, and only those", SLOW, async () => {
    const broker = await startTestBroker([AGENT1, AGENT2]);
    brokers.push(broker);
    const first = await as(broker, AGENT1);
    const second = await as(broker, AGENT2);
    await waitFor("both logins reported", () => broker.connectedCount() === 2);
    const gone = closed(second);
    const count = broker.disconnect(
      (principal) => principal.kind === "agent" && principal.workstation === WS2.workstation,
    );
    expect(count).toBe(1);
    await gone;
    await waitFor("the close reported", () => broker.connectedCount() === 1);
    expect(first.connected).toBe(true);
  });

  it(
    "publishes as the broker itself: retained, delivered to a later subscriber",
    SLOW,
    async () => {
      const broker = await startTestBroker([AGENT1]);
      brokers.push(broker);
      await broker.publish(topic("desired"), '{"doc":1}', { qos: 1, retain: true });
      const agent = await as(broker, AGENT1);
      const received = collect(agent);
      await subscribe(agent, [topic("desired")]);
      await waitFor("the retained document", () => received.length === 1);
      expect(received[0]).toEqual({ topic: topic("desired"), payload: '{"doc":1}', retain: true });
    },
  );

  it("reports a failed broker thread (default: the coordinator stops)", SLOW, async () => {
    const failures: string[] = [];
    const broker = await startTestBroker([AGENT1], {
      onFailure: (error) => failures.push(error.message),
    });
    brokers.push(broker);
    const agent = await as(broker, AGENT1);
    const gone = closed(agent);
    crashBrokerThreadForTest(broker);
    await waitFor("the failure reported", () => failures.length > 0);
    expect(failures[0]).toContain("broker thread crash requested by a test");
    // The thread is gone with its sockets: nothing is left half alive.
    await gone;
    await expect(
      broker.publish(topic("desired"), "{}", { qos: 1, retain: true }),
    ).rejects.toThrow();
  });

  it(
    "by default ends the process when the broker thread fails (a supervisor restarts it)",
    SLOW,
    async () => {
      const source = new URL("../../src/broker/embedded-broker.ts", import.meta.url).href;
      const script = `
      import { crashBrokerThreadForTest, startEmbeddedBroker } from ${JSON.stringify(source)};
      const broker = await startEmbeddedBroker({
        port: 0,
        topicRoot: "tillroll/v1",
        lookupPrincipal: async () => null,
        log: (line) => console.error(line),
      });
      crashBrokerThreadForTest(broker);
      setTimeout(() => { console.error("still running"); process.exit(0); }, 15000);
    `;
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        {
          cwd: fileURLToPath(new URL("../..", import.meta.url)),
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(stderr).toContain("broker: the broker thread failed, the coordinator stops");
      expect(stderr).not.toContain("still running");
      expect(code).toBe(1);
    },
  );

  it(
    "refuses to start with a clear error from the thread, and leaves nothing running",
    SLOW,
    async () => {
      await expect(startTestBroker([], { maxPayloadBytes: -1 })).rejects.toThrow(
        "broker: maxPayloadBytes -1 is not a valid payload size",
      );
    },
  );
});
