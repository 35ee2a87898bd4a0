import { describe, expect, it } from "vitest";
import { COORDINATOR_USERNAME, startEmbeddedBroker } from "../../src/broker/embedded-broker.js";
import {
  AGENT1,
  AGENT2,
  account,
  clientId,
  closed,
  connectAs,
  logged,
  OPS,
  POS1,
  ROOT,
  startTestBroker,
  subscribe,
  topic,
  tryConnect,
  useBroker,
  WS2,
  waitFor,
} from "./helpers.js";

/** End to end against a real broker: CONNECT, credentials and client ids. */

const f = useBroker();

describe("embedded broker: authentication", () => {
  it("listens on 127.0.0.1 and accepts valid credentials", async () => {
    expect(f.broker.url).toBe(`mqtt://127.0.0.1:${f.broker.port}`);
    const client = await f.as(AGENT1);
    expect(client.connected).toBe(true);
  });

  it.each([
    ["a wrong password", { username: AGENT1.username, password: "wrong" }],
    ["another account's password", { username: AGENT1.username, password: AGENT2.password }],
    ["an unknown username", { username: "nobody", password: AGENT1.password }],
    ["no credentials", {}],
    ["a username without password", { username: AGENT1.username }],
    [
      "a wrong password for the coordinator account",
      { username: COORDINATOR_USERNAME, password: OPS.password },
    ],
  ])("refuses %s with CONNACK 4 bad username or password (§3.2.2.3)", async (_name, creds) => {
    const { code, client } = await tryConnect(f.broker.url, creds);
    f.track(client);
    expect(code).toBe(4);
    await closed(client);
    await logged(f.broker, "refused CONNECT");
  });

  it("accepts the coordinator's generated credentials as the coordinator principal", async () => {
    expect(f.broker.coordinatorCredentials.password.length).toBeGreaterThanOrEqual(32);
    const coordinator = await f.as(f.broker.coordinator);
    expect(await subscribe(coordinator, [`${ROOT}/ws/+/+/status`])).toEqual([1]);
  });

  it("treats an operator account from the fleet store as the coordinator principal", async () => {
    const operator = await f.as(OPS);
    expect(await subscribe(operator, [`${ROOT}/ws/+/+/log`, "$SYS/#"])).toEqual([1, 128]);
  });

  it("answers CONNACK 3 server unavailable when the principal lookup fails", {
    timeout: 20_000,
  }, async () => {
    const failing = await startEmbeddedBroker({
      port: 0,
      topicRoot: ROOT,
      lookupPrincipal: () => Promise.reject(new Error("fleet store offline")),
    });
    try {
      const { code, client } = await tryConnect(failing.url, AGENT1);
      client.end(true);
      expect(code).toBe(3);
    } finally {
      await failing.close();
    }
  });

  it("refuses a principal with invalid ids from the lookup with CONNACK 5", {
    timeout: 20_000,
  }, async () => {
    const odd = await startEmbeddedBroker({
      port: 0,
      topicRoot: ROOT,
      lookupPrincipal: async () => ({ kind: "agent", store: "+", workstation: "01" }),
    });
    try {
      const { code, client } = await tryConnect(odd.url, AGENT1);
      client.end(true);
      expect(code).toBe(5);
    } finally {
      await odd.close();
    }
  });

  it("accepts client ids longer than 23 characters (§3.1.3.1)", { timeout: 20_000 }, async () => {
    const long = "S".repeat(64);
    const longAgent = account({ kind: "agent", store: long, workstation: long });
    const local = await startTestBroker([longAgent]);
    try {
      const id = `agent.${long}.${long}`;
      const client = await connectAs(local.url, longAgent, { clientId: id, clean: false });
      await waitFor("the login reported", () => local.connectedCount() === 1);
      client.end(true);
    } finally {
      await local.close();
    }
  });

  it("refuses another principal's reserved or connected client id with CONNACK 2", async () => {
    const agent = await f.as(AGENT1, { clientId: "agent.1001.01", clean: false });
    // The agent's reserved id, from a POS.
    const reserved = await tryConnect(f.broker.url, POS1, { clientId: "agent.1001.01" });
    reserved.client.end(true);
    expect(reserved.code).toBe(2);
    // A free-form id in use by the POS, from another till's agent: no takeover (MQTT-3.1.4-2).
    const posId = clientId("pos");
    const posClient = await f.as(POS1, { clientId: posId });
    const takeover = await tryConnect(f.broker.url, AGENT2, { clientId: posId });
    takeover.client.end(true);
    expect(takeover.code).toBe(2);
    expect(agent.connected && posClient.connected).toBe(true);
    // The same principal may take over its own id (a restarted agent). Listened for
    // first: the old connection may close before the new one's CONNACK arrives.
    const taken = closed(agent);
    const restarted = await f.as(AGENT1, { clientId: "agent.1001.01", clean: false });
    await taken;
    expect(restarted.connected).toBe(true);
  });

  it("refuses a last will the client could not publish itself with CONNACK 5", async () => {
    const { code, client } = await tryConnect(f.broker.url, AGENT1, {
      will: {
        topic: topic("presence", WS2),
        payload: Buffer.from("offline"),
        qos: 1,
        retain: true,
      },
    });
    client.end(true);
    expect(code).toBe(5);
  });
});
