import { randomBytes } from "node:crypto";
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import { withTimeout } from "./wait.js";

/**
 * The one way the fixtures connect to the broker, so every test party speaks
 * what the protocol prescribes (MQTT 3.1.1, clean session) and every
 * connect, publish and close is bounded by a timeout.
 */

export const CONNECT_TIMEOUT_MS = 5_000;
export const PUBLISH_TIMEOUT_MS = 5_000;
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * A fresh client id per connection. aedes refuses ids above 23 characters by
 * default (the MQTT 3.1.1 minimum a server must accept), so keep them short;
 * the random part keeps two fixtures from kicking each other off the broker.
 */
export function clientIdFor(role: string): string {
  return `${role.slice(0, 10)}-${randomBytes(5).toString("hex")}`;
}

/** Connects and waits for CONNACK; the client then reconnects by itself after a broker outage. */
export async function connectClient(
  brokerUrl: string,
  role: string,
  extra: Partial<IClientOptions> = {},
): Promise<MqttClient> {
  const client = connect(brokerUrl, {
    protocolVersion: 4,
    clean: true,
    clientId: clientIdFor(role),
    // Short reconnect period: tests pause and resume the broker and should
    // not spend seconds waiting for a test double to come back.
    reconnectPeriod: 200,
    connectTimeout: CONNECT_TIMEOUT_MS,
    ...extra,
  });
  const connected = new Promise<void>((resolve) => client.once("connect", () => resolve()));
  try {
    await withTimeout(connected, CONNECT_TIMEOUT_MS, `${role} connecting to ${brokerUrl}`);
  } catch (error) {
    client.end(true);
    throw error;
  }
  return client;
}

/** QoS 1 publish that waits for PUBACK, bounded (mqtt.js would otherwise queue offline forever). */
export async function publishQos1(
  client: MqttClient,
  topic: string,
  payload: string | Buffer,
  retain: boolean,
): Promise<void> {
  await withTimeout(
    client.publishAsync(topic, payload, { qos: 1, retain }),
    PUBLISH_TIMEOUT_MS,
    `PUBACK for ${topic}`,
  );
}

/** QoS 1 subscription that waits for SUBACK and fails on a refused topic. */
export async function subscribeQos1(client: MqttClient, topics: string[]): Promise<void> {
  const granted = await withTimeout(
    client.subscribeAsync(topics, { qos: 1 }),
    PUBLISH_TIMEOUT_MS,
    `SUBACK for ${topics.join(", ")}`,
  );
  const refused = granted.filter((grant) => grant.qos === 128).map((grant) => grant.topic);
  if (refused.length > 0) throw new Error(`broker refused subscription to ${refused.join(", ")}`);
}

/** Disconnects cleanly when the broker is there, and forcibly when it does not answer. */
export async function closeClient(client: MqttClient): Promise<void> {
  try {
    await withTimeout(client.endAsync(), CLOSE_TIMEOUT_MS, "MQTT disconnect");
  } catch {
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }
}
