import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Server } from "node:tls";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TlsMaterial } from "../../src/tls/certificates.js";
import { createTlsListener, tlsServerOptions } from "../../src/tls/tls-listener.js";
import { generate, tempDir } from "./tls-fixtures.js";

/**
 * aedes served over TLS with createTlsListener, reached by real mqtt.js
 * clients speaking MQTT 3.1.1 over mqtts://, as the agents will.
 */

let material: TlsMaterial;
let otherCa: string;
let aedes: Aedes;
let server: Server;
let port: number;
const clientErrors: string[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  material = await generate(join(await tempDir(), "tls"), "coordinator.example");
  otherCa = (await generate(join(await tempDir(), "tls"), "coordinator.example")).caPem ?? "";
  aedes = await Aedes.createBroker();
  server = createTlsListener(
    {
      tls: tlsServerOptions(material),
      onClientError: (error) => clientErrors.push(error.message),
    },
    (socket) => aedes.handle(socket),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.endAsync(true).catch(() => undefined);
  await new Promise((resolve) => server.close(resolve));
  await new Promise<void>((resolve) => aedes.close(() => resolve()));
});

function connect(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return mqtt
    .connectAsync(
      url,
      { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, ...options },
      false,
    )
    .then((client) => {
      clients.push(client);
      return client;
    });
}

describe("MQTT over TLS (aedes behind createTlsListener)", () => {
  it("lets a client that pins ca.pem connect over mqtts:// and exchange a message", async () => {
    const ca = material.caPem ?? "";
    const sub = await connect(`mqtts://127.0.0.1:${port}`, { ca, clientId: "sub" });
    const pub = await connect(`mqtts://localhost:${port}`, { ca, clientId: "pub" });
    expect(sub.connected && pub.connected).toBe(true);
    const received = new Promise<string>((resolve) =>
      sub.on("message", (_topic, payload) => resolve(payload.toString())),
    );
    await sub.subscribeAsync("tillroll/v1/ws/1001/01/desired", { qos: 1 });
    await pub.publishAsync("tillroll/v1/ws/1001/01/desired", "over tls", { qos: 1 });
    await expect(received).resolves.toBe("over tls");
  });

  it("refuses a client that trusts another CA (rejectUnauthorized)", async () => {
    await expect(
      connect(`mqtts://127.0.0.1:${port}`, { ca: otherCa, clientId: "wrong-ca" }),
    ).rejects.toMatchObject({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    expect(aedes.connectedClients).toBe(2);
  });

  it("refuses a plain-text MQTT client on the TLS port, and tells onClientError", async () => {
    const before = clientErrors.length;
    await expect(connect(`mqtt://127.0.0.1:${port}`, { clientId: "plain" })).rejects.toThrow();
    expect(aedes.connectedClients).toBe(2);
    await expect.poll(() => clientErrors.length).toBeGreaterThan(before);
  });
});
