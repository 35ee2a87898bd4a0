import { EXAMPLE_PAYLOADS, topicFor } from "@tillroll/protocol";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorKit } from "./coordinator-kit.js";
import { durableFleetRows } from "./durable-desired.js";

describe("coordinator broker security, with a workstation's own credentials", () => {
  let kit: CoordinatorKit;
  let brokerUrl: string;
  let before: string;
  const clients: mqtt.MqttClient[] = [];
  beforeAll(async () => {
    kit = await CoordinatorKit.create("acl");
    await kit.publish({ name: "pos-client", version: "1.0.0" });
    await kit.enrolAndStart("1001/01", "DE/North");
    await kit.enrolAndStart("1002/01", "DE/South");
    await kit.install("1.0.0", "--group", "DE");
    brokerUrl = kit.credentials.get("1001/01")?.agentConfig.broker ?? "";
    before = JSON.stringify(await kit.rows());
  });
  afterAll(async () => {
    for (const client of clients) await client.endAsync(true).catch(() => undefined);
    await kit.close();
  });

  /** Connects with a workstation's credentials; rejects on refusal or a silent close. */
  function connectAs(id: string, password?: string): Promise<mqtt.MqttClient> {
    const creds = kit.credentials.get(id);
    const client = mqtt.connect(brokerUrl, {
      username: creds?.username,
      password: password ?? creds?.password,
      clientId: `intruder-${clients.length}`,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    clients.push(client);
    return new Promise((resolve, reject) => {
      client.once("connect", () => resolve(client));
      client.once("error", reject);
      client.once("close", () => reject(new Error("connection closed before CONNACK")));
    });
  }

  it("publishing another workstation's status is refused", async () => {
    const intruder = await connectAs("1001/01");
    const forged = {
      ...EXAMPLE_PAYLOADS.status,
      store: "1002",
      workstation: "01",
      seq: Number.MAX_SAFE_INTEGER - 1,
    };
    // Not awaited: MQTT 3.1.1 has no negative PUBACK; the broker closes the connection.
    intruder.publish(
      topicFor("status", { store: "1002", workstation: "01" }),
      JSON.stringify(forged),
      { qos: 1 },
    );
    await expect.poll(() => intruder.connected, { timeout: 5000 }).toBe(false);
  });

  it.each([
    ["another workstation's desired", topicFor("desired", { store: "1002", workstation: "01" })],
    ["the whole tree", "tillroll/v1/#"],
    ["every status", "tillroll/v1/ws/+/+/status"],
    ["$SYS", "$SYS/#"],
  ])("subscribing to %s is refused", async (_name, filter) => {
    const client = await connectAs("1001/01");
    let received = 0;
    client.on("message", () => received++);
    // SUBACK return code 0x80 (MQTT 3.1.1 §3.9.3): mqtt.js turns it into an error.
    await expect(client.subscribeAsync(filter, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toBe(0);
  });

  it("a wrong password is refused", async () => {
    await expect(connectAs("1001/01", "not-the-password")).rejects.toThrow(
      /Bad username or password|Not authorized|bad user/i,
    );
  });

  it("a 1 MB publish is refused", async () => {
    const client = await connectAs("1001/01");
    // Not awaited: MQTT 3.1.1 has no negative PUBACK; the broker closes the connection.
    client.publish(
      topicFor("status", { store: "1001", workstation: "01" }),
      Buffer.alloc(1024 * 1024, 32),
      { qos: 1 },
    );
    await expect.poll(() => client.connected, { timeout: 5000 }).toBe(false);
  });

  it("the coordinator stays up and its data is unchanged", async () => {
    const health = await fetch(`${kit.coordinator.url}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.stringify(await kit.rows())).toBe(before);
    // The fleet store (snapshot and journal, or the fleet_rows table) holds nothing of the forged report.
    const stored = await durableFleetRows(kit.coordinator);
    expect(stored.length).toBeGreaterThan(0);
    for (const text of stored) expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER - 1));
  });
});
