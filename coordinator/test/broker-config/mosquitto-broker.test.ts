import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TopicKind, topicFor } from "@tillroll/protocol";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { WorkstationPrincipal } from "../../src/broker/acl.js";
import { generateSecret } from "../../src/broker/credentials.js";
import { generateMosquittoConfig } from "../../src/broker-config/mosquitto.js";
import { mosquittoPasswordLine } from "../../src/broker-config/mosquitto-password.js";
import {
  mosquittoFiles,
  writeMosquittoConfig,
} from "../../src/broker-config/write-mosquitto-config.js";
import { loadOrCreateTls, type TlsMaterial } from "../../src/tls/certificates.js";
import { freePort, type MosquittoProcess, startMosquitto } from "./mosquitto-process.js";

/**
 * A real Mosquitto (2.x) run with the generated mosquitto.conf, ACL and
 * password file, TLS with the generated CA on a loopback port, reached by
 * real mqtt.js clients: the isolation the embedded broker gives.
 */

const ROOT = "tillroll/v1";
const QUIET_MS = 300;
vi.setConfig({ testTimeout: 20_000 });

interface Login {
  username: string;
  password: string;
  principal?: WorkstationPrincipal;
}

const coordinator: Login = { username: "tillroll-coordinator", password: generateSecret() };
const agent1: Login = login("agent", "1001", "01");
const agent2: Login = login("agent", "1001", "02");
const pos1: Login = login("pos", "1001", "01");
const ws1 = { store: "1001", workstation: "01" };
const ws2 = { store: "1001", workstation: "02" };

function login(kind: "agent" | "pos", store: string, workstation: string): Login {
  return {
    username: `${kind}.${store}.${workstation}`,
    password: generateSecret(),
    principal: { kind, store, workstation },
  };
}

let dir: string;
let tls: TlsMaterial;
let otherCa: string;
let port: number;
let mosquitto: MosquittoProcess;
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tillroll-mosquitto-"));
  const made = await loadOrCreateTls({
    dir: join(dir, "tls"),
    publicHost: "localhost",
    now: Date.now,
  });
  if (!made.ok) throw new Error(made.error);
  tls = made.value;
  const other = await loadOrCreateTls({
    dir: join(dir, "other-tls"),
    publicHost: "localhost",
    now: Date.now,
  });
  otherCa = other.ok ? (other.value.caPem ?? "") : "";
  port = await freePort();
  const files = mosquittoFiles(join(dir, "mosquitto"));
  const config = generateMosquittoConfig({
    topicRoot: ROOT,
    listener: { port, bindAddress: "127.0.0.1" },
    tls: { caFile: tls.caPath ?? "", certFile: tls.certPath, keyFile: tls.keyPath },
    files: {
      passwordFile: files.passwords,
      aclFile: files.acl,
      persistenceDir: files.persistenceDir,
    },
    coordinator: {
      username: coordinator.username,
      passwordLine: mosquittoPasswordLine(coordinator.username, coordinator.password),
    },
    accounts: [agent1, agent2, pos1].map((a) => ({
      username: a.username,
      principal: a.principal as WorkstationPrincipal,
      passwordLine: mosquittoPasswordLine(a.username, a.password),
    })),
    // Mosquitto started as root drops to user "mosquitto", which may not read
    // the 0600 keys of this test; an installed broker runs as its own user.
    runAsUser: process.getuid?.() === 0 ? "root" : undefined,
  });
  if (!config.ok) throw new Error(config.error);
  await writeMosquittoConfig(files, config.value);
  mosquitto = await startMosquitto(files.conf, port);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await mosquitto?.stop();
  await rm(dir, { recursive: true, force: true });
});

function connect(
  who: Partial<Login>,
  options: IClientOptions = {},
  scheme = "mqtts",
): Promise<MqttClient> {
  return mqtt
    .connectAsync(
      `${scheme}://localhost:${port}`,
      {
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
        ca: tls.caPem ?? "",
        clean: true,
        ...(who.username === undefined ? {} : { username: who.username }),
        ...(who.password === undefined ? {} : { password: who.password }),
        ...options,
      },
      false,
    )
    .then((client) => {
      clients.push(client);
      return client;
    });
}

/**
 * Publishes where `who` may not. Mosquitto 2.0 then closes the connection, as
 * the embedded broker does; the message reaches nobody.
 */
async function publishAndClose(
  who: Login,
  to: string,
  payload = "forged",
): Promise<"closed" | "still open"> {
  const client = await connect(who);
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  // Not awaited: mqtt.js leaves the publish pending when the connection closes.
  client.publish(to, payload, { qos: 1 }, () => undefined);
  const outcome = await Promise.race([
    closed.then(() => "closed" as const),
    new Promise<"still open">((resolve) => setTimeout(() => resolve("still open"), 2_000)),
  ]);
  return outcome;
}

/** Collects every message a client receives. */
function inbox(client: MqttClient): { topic: string; payload: string }[] {
  const received: { topic: string; payload: string }[] = [];
  client.on("message", (topic, payload) => received.push({ topic, payload: payload.toString() }));
  return received;
}

async function until(check: () => boolean, what: string): Promise<void> {
  await expect.poll(check, { timeout: 5_000, message: `${what}\n${mosquitto.log()}` }).toBe(true);
}

const topic = (kind: TopicKind, ws: typeof ws1) => topicFor(kind, ws, ROOT);

describe("a real Mosquitto with the generated configuration", () => {
  it("accepts each account with its generated password line, refuses a wrong password, an unknown user and anonymous", async () => {
    for (const who of [coordinator, agent1, agent2, pos1]) {
      const client = await connect(who);
      expect(client.connected).toBe(true);
      await client.endAsync();
    }
    await expect(connect({ ...agent1, password: `${agent1.password}x` })).rejects.toMatchObject({
      code: 5,
    });
    await expect(connect({ ...agent1, password: agent2.password })).rejects.toMatchObject({
      code: 5,
    });
    await expect(connect({ username: "agent.9999.01", password: "x" })).rejects.toMatchObject({
      code: 5,
    });
    await expect(connect({})).rejects.toMatchObject({ code: 5 });
  });

  it("lets an agent publish its own status; another workstation's topic or a kind it does not publish closes it, undelivered", async () => {
    const coord = await connect(coordinator);
    const seen = inbox(coord);
    await coord.subscribeAsync(`${ROOT}/ws/+/+/+`, { qos: 1 });
    for (const forged of [
      topic("status", ws2),
      topic("desired", ws1),
      topic("session", ws1),
      `${ROOT}/other`,
    ]) {
      await expect(publishAndClose(agent1, forged)).resolves.toBe("closed");
    }
    const agent = await connect(agent1);
    await agent.publishAsync(topic("status", ws1), "mine", { qos: 1 });
    await agent.publishAsync(topic("log", ws1), "mine", { qos: 1 });
    await until(() => seen.length >= 2, "the agent's own status and log reach the coordinator");
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(seen).toEqual([
      { topic: topic("status", ws1), payload: "mine" },
      { topic: topic("log", ws1), payload: "mine" },
    ]);
    expect(agent.connected).toBe(true);
  });

  it("lets an agent read only its own desired and session, retained or live, whatever it subscribes to", async () => {
    const coord = await connect(coordinator);
    await coord.publishAsync(topic("desired", ws2), "for 02", { qos: 1, retain: true });
    await coord.publishAsync(topic("desired", ws1), "for 01", { qos: 1, retain: true });
    const agent = await connect(agent1);
    const seen = inbox(agent);
    await agent.subscribeAsync(
      [topic("desired", ws2), `${ROOT}/ws/+/+/desired`, "#", "$SYS/#", topic("status", ws1)],
      { qos: 1 },
    );
    await until(() => seen.some((m) => m.payload === "for 01"), "the retained own desired arrives");
    await coord.publishAsync(topic("status", ws2), "not for agents", { qos: 1 });
    await coord.publishAsync(topic("desired", ws2), "live for 02", { qos: 1 });
    await coord.publishAsync(topic("session", ws1), "own session", { qos: 1 });
    await until(() => seen.some((m) => m.payload === "own session"), "the own session arrives");
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    const topics = new Set(seen.map((m) => m.topic));
    expect([...topics].sort()).toEqual([topic("desired", ws1), topic("session", ws1)].sort());
    await coord.publishAsync(topic("desired", ws2), "", { qos: 1, retain: true });
    await coord.publishAsync(topic("desired", ws1), "", { qos: 1, retain: true });
  });

  it("lets the POS publish its own session and read its own presence, maintenance and notice", async () => {
    const coord = await connect(coordinator);
    const coordSeen = inbox(coord);
    await coord.subscribeAsync(`${ROOT}/ws/+/+/+`, { qos: 1 });
    for (const forged of [topic("session", ws2), topic("status", ws1), topic("maintenance", ws1)]) {
      await expect(publishAndClose(pos1, forged)).resolves.toBe("closed");
    }
    const pos = await connect(pos1);
    const posSeen = inbox(pos);
    await pos.subscribeAsync(`${ROOT}/ws/+/+/+`, { qos: 1 });
    await pos.publishAsync(topic("session", ws1), "logged in", { qos: 1 });
    await until(() => coordSeen.length >= 1, "the POS's own session arrives");
    const agent = await connect(agent1);
    const agentOther = await connect(agent2);
    await agentOther.publishAsync(topic("maintenance", ws2), "other", { qos: 1 });
    for (const kind of ["presence", "maintenance", "notice", "status", "log"] as const) {
      await agent.publishAsync(topic(kind, ws1), kind, { qos: 1 });
    }
    await until(() => posSeen.some((m) => m.payload === "notice"), "the notice reaches the POS");
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(coordSeen[0]).toEqual({ topic: topic("session", ws1), payload: "logged in" });
    // Issue 13: the store's other till's maintenance too (a store server's scope "store").
    expect(posSeen.map((m) => m.payload)).toEqual(["other", "presence", "maintenance", "notice"]);
    await agent.publishAsync(topic("presence", ws1), "", { qos: 1, retain: true });
    await agent.publishAsync(topic("maintenance", ws1), "", { qos: 1, retain: true });
    await agentOther.publishAsync(topic("maintenance", ws2), "", { qos: 1, retain: true });
  });

  it("does not let one account knock another off with its client id", async () => {
    const first = await connect(agent1, { clientId: "agent:1001:01" });
    let closed = false;
    first.on("close", () => {
      closed = true;
    });
    const intruder = await connect(agent2, { clientId: "agent:1001:01" });
    expect(intruder.connected).toBe(true);
    await first.publishAsync(topic("log", ws1), "still here", { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(closed).toBe(false);
    expect(first.connected).toBe(true);
  });

  it("drops a payload above the protocol's 256 KiB, delivers one of exactly 256 KiB", async () => {
    const coord = await connect(coordinator);
    const seen = inbox(coord);
    await coord.subscribeAsync(topic("log", ws2), { qos: 1 });
    await expect(
      publishAndClose(agent2, topic("log", ws2), "x".repeat(256 * 1024 + 1)),
    ).resolves.toBe("closed");
    const again = await connect(agent2);
    await again.publishAsync(topic("log", ws2), "y".repeat(256 * 1024), { qos: 1 });
    await until(() => seen.length >= 1, "the 256 KiB log line arrives");
    expect(seen.map((m) => m.payload.length)).toEqual([256 * 1024]);
  });

  it("opens no listener but the TLS one (no default plain-text listener on 1883)", () => {
    const listening = mosquitto.log().match(/Opening ipv[46] listen socket on port \d+/g) ?? [];
    expect(listening).toEqual([`Opening ipv4 listen socket on port ${port}`]);
  });

  it("refuses a plain-text client on the TLS port", async () => {
    await expect(connect(agent1, {}, "mqtt")).rejects.toThrow();
  });

  it("is refused by a client that trusts another CA", async () => {
    // Mosquitto sends its CA along (cafile), so the client sees a CA it does not trust in the chain.
    await expect(connect(agent1, { ca: otherCa })).rejects.toMatchObject({
      code: "SELF_SIGNED_CERT_IN_CHAIN",
    });
  });
});
