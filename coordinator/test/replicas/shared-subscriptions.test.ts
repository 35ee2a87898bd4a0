import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { topicFor } from "@tillroll/protocol";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mosquittoPasswordLine } from "../../src/broker-config/mosquitto-password.js";
import { ingestFilters } from "../../src/replicas/ingest-filters.js";
import {
  freePort,
  type MosquittoProcess,
  startMosquitto,
} from "../broker-config/mosquitto-process.js";

/**
 * Issue 14 (replicas): two coordinators on one Mosquitto subscribe to the fleet's
 * reports as `$share/<group>/<filter>` (MQTT 3.1.1 clients, as the coordinator
 * connects): every report reaches exactly one of them, and both take a share.
 * The ACL lines are the README's ("Replicas"): the plain filters, not `$share/…`.
 */

const ROOT = "tillroll/v1";
const REPORTS = 200;
vi.setConfig({ testTimeout: 30_000 });

let dir: string;
let mosquitto: MosquittoProcess;
let url: string;
const clients: MqttClient[] = [];

const replicaA = { username: "tillroll-coordinator-a", password: "secret-a" };
const replicaB = { username: "tillroll-coordinator-b", password: "secret-b" };
// Its ACL names the shared filter itself: Mosquitto grants the SUBSCRIBE but then
// refuses to deliver what it hands this member (the read check is on the topic).
const wrongAcl = { username: "tillroll-coordinator-wrong-acl", password: "secret-c" };
const replicas = [replicaA, replicaB, wrongAcl];
const agents = ["01", "02", "03", "04"].map((ws) => ({
  username: `agent.1001.${ws}`,
  password: `secret-${ws}`,
  ref: { store: "1001", workstation: ws },
}));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tillroll-shared-subs-"));
  const port = await freePort();
  url = `mqtt://127.0.0.1:${port}`;
  const passwordFile = join(dir, "passwd");
  const aclFile = join(dir, "acl");
  await writeFile(
    passwordFile,
    [...replicas, ...agents].map((a) => `${mosquittoPasswordLine(a.username, a.password)}\n`),
    { mode: 0o600 },
  );
  const kinds = ["status", "presence", "log"];
  await writeFile(
    aclFile,
    [
      ...replicas
        .slice(0, 2)
        .flatMap((r) => [
          `user ${r.username}`,
          ...kinds.map((kind) => `topic read ${ROOT}/ws/+/+/${kind}`),
          "",
        ]),
      `user ${wrongAcl.username}`,
      ...kinds.map((kind) => `topic read $share/tillroll/${ROOT}/ws/+/+/${kind}`),
      "",
      ...agents.flatMap((a) => [
        `user ${a.username}`,
        ...kinds.map((kind) => `topic write ${topicFor(kind as "status", a.ref, ROOT)}`),
        "",
      ]),
    ].join("\n"),
  );
  const conf = join(dir, "mosquitto.conf");
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous false",
      `user ${userInfo().username}`,
      `password_file ${passwordFile}`,
      `acl_file ${aclFile}`,
      "use_username_as_clientid true",
      "persistence false",
      "max_queued_messages 0",
      "max_inflight_messages 0",
      "",
    ].join("\n"),
  );
  mosquitto = await startMosquitto(conf, port);
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.endAsync(true)));
  await mosquitto?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function login(account: { username: string; password: string }): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    ...account,
    clientId: account.username,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
  });
  clients.push(client);
  return client;
}

/** Subscribes as a replica does and records `topic payload` of every message it gets. */
async function replica(account: { username: string; password: string }) {
  const client = await login(account);
  const got: string[] = [];
  client.on("message", (topic, payload) => got.push(`${topic} ${payload}`));
  const granted = await client.subscribeAsync(
    ingestFilters({ kind: "replica", group: "tillroll" }, ROOT),
    { qos: 1 },
  );
  return { client, got, granted };
}

/** Each agent publishes its share of `count` reports over status, presence and log. */
async function publishReports(count: number): Promise<string[]> {
  const senders = await Promise.all(agents.map((a) => login(a)));
  const sent: string[] = [];
  const kinds = ["status", "presence", "log"] as const;
  for (let i = 0; i < count; i++) {
    const agent = agents[i % agents.length];
    const sender = senders[i % agents.length];
    if (agent === undefined || sender === undefined) throw new Error("no agent");
    const topic = topicFor(kinds[i % kinds.length] ?? "status", agent.ref, ROOT);
    await sender.publishAsync(topic, `report-${i}`, { qos: 1 });
    sent.push(`${topic} report-${i}`);
  }
  await Promise.all(senders.map((client) => client.endAsync()));
  return sent;
}

async function settle(received: () => number, expected: number, waitMs = 10_000) {
  const deadline = Date.now() + waitMs;
  while (received() < expected && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  // A duplicate would come after the count is reached: wait a little longer.
  await new Promise((resolve) => setTimeout(resolve, 300));
}

describe("shared subscriptions on Mosquitto", () => {
  it("hands every report to exactly one of two replicas, and each takes a share", async () => {
    const a = await replica(replicaA);
    const b = await replica(replicaB);
    expect(a.granted.map((g) => g.qos)).toEqual([1, 1, 1]);
    expect(a.granted.map((g) => g.topic)).toEqual([
      `$share/tillroll/${ROOT}/ws/+/+/status`,
      `$share/tillroll/${ROOT}/ws/+/+/presence`,
      `$share/tillroll/${ROOT}/ws/+/+/log`,
    ]);
    const sent = await publishReports(REPORTS);
    await settle(() => a.got.length + b.got.length, REPORTS);
    const all = [...a.got, ...b.got];
    expect(all).toHaveLength(REPORTS);
    expect(new Set(all)).toEqual(new Set(sent));
    // Mosquitto hands shared messages round-robin: both replicas work.
    expect(a.got.length).toBeGreaterThan(REPORTS / 4);
    expect(b.got.length).toBeGreaterThan(REPORTS / 4);
    await Promise.all([a.client.endAsync(), b.client.endAsync()]);
  });

  it("loses the share of a replica whose ACL names `$share/…` instead of the plain filters", async () => {
    const a = await replica(replicaA);
    const wrong = await replica(wrongAcl);
    // Mosquitto 2 grants the SUBSCRIBE...
    expect(wrong.granted.map((g) => g.qos)).toEqual([1, 1, 1]);
    const sent = await publishReports(40);
    // Not all 40 ever arrive: wait 2 s, not 10.
    await settle(() => a.got.length + wrong.got.length, 40, 2_000);
    // ...then refuses to deliver to it: what it was handed is gone, not given to `a`.
    expect(wrong.got).toEqual([]);
    expect(a.got.length).toBeLessThan(sent.length);
    expect(a.got.length).toBeGreaterThan(0);
    await Promise.all([a.client.endAsync(), wrong.client.endAsync()]);
  });
});
