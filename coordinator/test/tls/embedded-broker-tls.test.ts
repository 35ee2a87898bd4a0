import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOrCreateTls, type TlsMaterial } from "../../src/tls/certificates.js";
import { tlsServerOptions } from "../../src/tls/tls-listener.js";
import { account, clientId, logged, startTestBroker, type TestBroker } from "../broker/helpers.js";
import { CONNECT_TYPE, fixedHeader } from "../broker/raw-mqtt.js";

/**
 * The embedded broker with `tls` (coordinator --tls): MQTT over TLS on its
 * port, still behind the frame gate; plain text only on `plainPort`.
 */
describe("embedded broker over TLS", () => {
  let dir: string;
  let material: TlsMaterial;
  let broker: TestBroker;
  const agent = account({ kind: "agent", store: "1001", workstation: "01" });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tillroll-broker-tls-"));
    const made = await loadOrCreateTls({ dir, publicHost: "localhost", now: Date.now });
    if (!made.ok) throw new Error(made.error);
    material = made.value;
    broker = await startTestBroker([agent], { tls: tlsServerOptions(material), plainPort: 0 });
  }, 60_000);
  afterAll(async () => {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** One CONNECT: "connected", or what ended it. */
  const login = async (url: string, extra: mqtt.IClientOptions = {}): Promise<string> => {
    const client = mqtt.connect(url, {
      username: agent.username,
      password: agent.password,
      clientId: clientId("tls"),
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 3000,
      ...extra,
    });
    try {
      return await new Promise<string>((resolve) => {
        client.once("connect", () => resolve("connected"));
        client.once("error", (error) => resolve(`error ${error.message}`));
        client.once("close", () => resolve("closed"));
      });
    } finally {
      client.end(true);
    }
  };

  it("serves mqtts:// on its port and plain mqtt:// only on plainPort", {
    timeout: 30_000,
  }, async () => {
    expect(broker.url).toBe(`mqtts://127.0.0.1:${broker.port}`);
    expect(broker.plainPort).not.toBeNull();
    expect(await login(broker.url, { ca: material.caPem ?? "" })).toBe("connected");
    expect(await login(`mqtt://127.0.0.1:${broker.plainPort}`)).toBe("connected");
    expect(await login(`mqtt://127.0.0.1:${broker.port}`)).not.toBe("connected");
  });

  it("logs a failed handshake (a plain-text client on the TLS port)", async () => {
    // Log lines come from the broker's thread by message: wait for it.
    await logged(broker, "broker: TLS handshake with 127.0.0.1 failed");
  });

  it("keeps the frame gate for TLS connections: an oversize CONNECT is closed unread", async () => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port: broker.port,
      ca: material.caPem ?? "",
      servername: "localhost",
    });
    socket.on("error", () => {});
    await new Promise<void>((resolve) => socket.once("secureConnect", () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(fixedHeader(CONNECT_TYPE, 268_435_455));
    await closed;
    await logged(broker, "CONNECT declares 268435455 bytes; before login at most 8192");
  });
});
