import { randomBytes } from "node:crypto";
import { type TopicKind, topicFor, type WorkstationRef } from "@tillroll/protocol";
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { Principal } from "../../src/broker/acl.js";
import { generateSecret, hashSecret, verifySecretAsync } from "../../src/broker/credentials.js";
import {
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  startEmbeddedBroker,
} from "../../src/broker/embedded-broker.js";

/**
 * Fixtures for the broker tests: a real embedded broker on 127.0.0.1:0 whose
 * accounts live in a map of scrypt hashes (as the fleet store keeps them), and
 * real mqtt.js clients speaking MQTT 3.1.1.
 */

export const ROOT = "tillroll/v1";
const TIMEOUT_MS = 5_000;

export interface Account {
  username: string;
  password: string;
  principal: Principal;
}

export function account(principal: Principal): Account {
  const name =
    principal.kind === "coordinator"
      ? `ops-${randomBytes(3).toString("hex")}`
      : `${principal.kind}-${principal.store}-${principal.workstation}`;
  return { username: name, password: generateSecret(), principal };
}

export interface TestBroker extends EmbeddedBroker {
  logs: string[];
  coordinator: Account;
}

export async function startTestBroker(
  accounts: Account[],
  extra: Partial<EmbeddedBrokerOptions> = {},
): Promise<TestBroker> {
  const store = new Map(
    accounts.map((a) => [a.username, { hash: hashSecret(a.password), principal: a.principal }]),
  );
  const logs: string[] = [];
  const broker = await startEmbeddedBroker({
    port: 0,
    topicRoot: ROOT,
    lookupPrincipal: async (username, password) => {
      const entry = store.get(username);
      if (entry === undefined) return null;
      return (await verifySecretAsync(password, entry.hash)) ? entry.principal : null;
    },
    log: (line) => logs.push(line),
    ...extra,
  });
  return {
    ...broker,
    logs,
    coordinator: { ...broker.coordinatorCredentials, principal: { kind: "coordinator" } },
  };
}

export function clientId(role: string): string {
  return `${role}-${randomBytes(5).toString("hex")}`;
}

function options(creds: Partial<Account> | null, extra: Partial<IClientOptions>): IClientOptions {
  return {
    protocolVersion: 4,
    clean: true,
    clientId: clientId("test"),
    reconnectPeriod: 0,
    connectTimeout: TIMEOUT_MS,
    ...(creds?.username === undefined ? {} : { username: creds.username }),
    ...(creds?.password === undefined ? {} : { password: creds.password }),
    ...extra,
  };
}

/**
 * Connects and resolves with the CONNACK return code (0: connected) and the
 * client. `setup` runs before the connection opens (to attach listeners that
 * must not miss what the broker sends right after CONNACK).
 */
export function tryConnect(
  url: string,
  creds: Partial<Account> | null,
  extra: Partial<IClientOptions> = {},
  setup: (client: MqttClient) => void = () => {},
): Promise<{ code: number; client: MqttClient }> {
  const client = connect(url, options(creds, extra));
  setup(client);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no CONNACK in time")), TIMEOUT_MS);
    client.once("connect", () => {
      clearTimeout(timer);
      resolve({ code: 0, client });
    });
    client.once("error", (error) => {
      clearTimeout(timer);
      const code = (error as { code?: unknown }).code;
      if (typeof code === "number") resolve({ code, client });
      else reject(error);
    });
  });
}

export async function connectAs(
  url: string,
  creds: Partial<Account>,
  extra: Partial<IClientOptions> = {},
  setup?: (client: MqttClient) => void,
): Promise<MqttClient> {
  const { code, client } = await tryConnect(url, creds, extra, setup);
  if (code !== 0) {
    client.end(true);
    throw new Error(`CONNACK ${code} for ${creds.username}`);
  }
  return client;
}

/** Subscribes at QoS 1 and returns the granted codes from the SUBACK (128: refused). */
export function subscribe(client: MqttClient, filters: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    client.subscribe(filters, { qos: 1 }, (error, _granted, packet) => {
      if (packet !== undefined && "granted" in packet) resolve(packet.granted as number[]);
      else reject(error ?? new Error("no SUBACK"));
    });
  });
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** Records every message the client receives. */
export function collect(client: MqttClient): Received[] {
  const received: Received[] = [];
  client.on("message", (topic, payload, packet) =>
    received.push({ topic, payload: payload.toString("utf8"), retain: packet.retain }),
  );
  return received;
}

export async function waitFor(
  what: string,
  predicate: () => boolean,
  timeoutMs = TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves when the client's connection closes. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected && client.disconnected) resolve();
    client.once("close", () => resolve());
  });
}

export async function publish(
  client: MqttClient,
  topic: string,
  payload: string | Buffer,
  retain = true,
): Promise<void> {
  await client.publishAsync(topic, payload, { qos: 1, retain });
}

export async function end(...clients: MqttClient[]): Promise<void> {
  await Promise.all(
    clients.map((client) => new Promise<void>((resolve) => client.end(true, {}, () => resolve()))),
  );
}

export const WS1: WorkstationRef = { store: "1001", workstation: "01" };
export const WS2: WorkstationRef = { store: "1001", workstation: "02" };

/** A protocol topic under ROOT; workstation 1001/01 unless told otherwise. */
export function topic(kind: TopicKind, ref: WorkstationRef = WS1): string {
  return topicFor(kind, ref, ROOT);
}

/** Accounts the end-to-end tests share: two agents, a POS, an operator. */
export const AGENT1 = account({ kind: "agent", ...WS1 });
export const AGENT2 = account({ kind: "agent", ...WS2 });
export const POS1 = account({ kind: "pos", ...WS1 });
export const OPS = account({ kind: "coordinator" });

export interface BrokerFixture {
  readonly broker: TestBroker;
  /** Connects (see connectAs); the client is ended after the test. */
  as(
    creds: Partial<Account>,
    extra?: Partial<IClientOptions>,
    setup?: (client: MqttClient) => void,
  ): Promise<MqttClient>;
  /** Ends `client` after the test. */
  track(client: MqttClient): MqttClient;
}

/** One broker for a test file with the shared accounts; clients end after each test. */
export function useBroker(accounts: Account[] = [AGENT1, AGENT2, POS1, OPS]): BrokerFixture {
  let current: TestBroker | null = null;
  const open: MqttClient[] = [];
  // A broker thread takes seconds to start on a loaded machine (it loads aedes and,
  // under the test runner, compiles the TS sources).
  beforeAll(async () => {
    current = await startTestBroker(accounts);
  }, 30_000);
  afterEach(async () => {
    await end(...open.splice(0));
  });
  afterAll(async () => {
    await current?.close();
  });
  const fixture: BrokerFixture = {
    get broker() {
      if (current === null) throw new Error("broker not started");
      return current;
    },
    async as(creds, extra = {}, setup) {
      return fixture.track(await connectAs(fixture.broker.url, creds, extra, setup));
    },
    track(client) {
      open.push(client);
      return client;
    },
  };
  return fixture;
}

/**
 * Waits until the broker has logged a line containing `text`. Log lines come
 * from the broker's thread by message: one may arrive just after what the
 * client saw (a CONNACK, a closed connection).
 */
export async function logged(broker: TestBroker, text: string): Promise<string> {
  await waitFor(`a log line with ${JSON.stringify(text)}`, () =>
    broker.logs.some((line) => line.includes(text)),
  );
  return broker.logs.find((line) => line.includes(text)) ?? "";
}
