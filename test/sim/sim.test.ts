import { createSigner, decodePayload, generateSigningKeyPair } from "@tillroll/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { startBroker, type TestBroker } from "../support/broker.js";
import { pollUntil } from "../support/wait.js";
import { type FleetSim, startFleetSim } from "./fleet-sim.js";
import { LiteMqttClient, MqttConnectError } from "./mqtt-lite.js";
import {
  type CoordinatorDouble,
  coordinatorDouble,
  desired,
  entry,
  fleetOf,
} from "./sim-fixtures.js";

/**
 * The simulator's I/O against a real broker (aedes on 127.0.0.1): the raw
 * MQTT client, then whole simulated fleets taking signed updates. The pure
 * decisions are in sim-workstation.test.ts.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function broker(opts: Parameters<typeof startBroker>[0] = {}): Promise<TestBroker> {
  const started = await startBroker(opts);
  cleanups.push(() => started.stop());
  return started;
}

async function coordinatorOn(b: TestBroker): Promise<CoordinatorDouble> {
  const double = await coordinatorDouble(b);
  cleanups.push(() => double.close());
  return double;
}

function lite(
  b: TestBroker,
  clientId: string,
  extra: Partial<Parameters<typeof LiteMqttClient.open>[0]> = {},
) {
  return LiteMqttClient.connect({
    host: "127.0.0.1",
    port: b.port,
    clientId,
    clean: true,
    keepaliveSeconds: 30,
    connectTimeoutMs: 3_000,
    ackTimeoutMs: 3_000,
    ...extra,
  }).then((client) => {
    cleanups.push(() => client.end());
    return client;
  });
}

describe("mqtt-lite against aedes", () => {
  it("sends PINGREQ at the keepalive and stays connected", async () => {
    const b = await broker();
    const pings: string[] = [];
    b.aedes.on("ping", (_packet, client) => pings.push(client.id));
    const client = await lite(b, "pinger", { keepaliveSeconds: 1 });
    await pollUntil(() => pings.length >= 1, 3_000, "a PINGREQ");
    expect(pings).toContain("pinger");
    expect(client.connected).toBe(true);
  });

  it("connects, subscribes, and a QoS 1 publish comes back", async () => {
    const b = await broker();
    const received: string[] = [];
    const client = await lite(b, "lite-1", {
      onMessage: (topic, payload) => received.push(`${topic} ${payload}`),
    });
    expect(await client.subscribe("t/echo", 1)).toBe(1);
    await client.publish("t/echo", "hello", false);
    await pollUntil(() => received.length === 1, 3_000, "the echo");
    expect(received).toEqual(["t/echo hello"]);
    await client.end();
    expect(client.connected).toBe(false);
  });

  it("a refused CONNECT names its return code", async () => {
    const b = await broker({
      authenticate: (_client, _user, _pass, done) =>
        done(Object.assign(new Error("no"), { returnCode: 4 }) as never, false),
    });
    const refused = lite(b, "lite-2", { username: "u", password: "p" });
    await expect(refused).rejects.toBeInstanceOf(MqttConnectError);
    await expect(refused).rejects.toThrow(/return code 4 \(bad user name or password\)/);
  });

  it("destroy() fires the last will, end() does not", async () => {
    const b = await broker();
    const wills: string[] = [];
    const watcher = await lite(b, "watcher", {
      onMessage: (_t, payload) => wills.push(String(payload)),
    });
    await watcher.subscribe("t/will/+", 1);
    const will = (name: string) => ({
      topic: `t/will/${name}`,
      payload: name,
      qos: 1 as const,
      retain: true,
    });
    const crashing = await lite(b, "crashing", { will: will("crashing") });
    const polite = await lite(b, "polite", { will: will("polite") });
    await polite.end();
    crashing.destroy();
    expect(crashing.connected).toBe(false);
    await pollUntil(() => wills.includes("crashing"), 3_000, "the will of the destroyed client");
    expect(wills).toEqual(["crashing"]);
  });
});

async function fleet(
  b: TestBroker,
  coordinatorKey: string,
  count: number,
  extra = {},
): Promise<FleetSim> {
  const sim = await startFleetSim({
    brokerUrl: b.url,
    coordinatorKey,
    workstations: fleetOf(count),
    initialVersion: "1.0.0",
    seed: 7,
    installMs: { min: 50, max: 150 },
    ...extra,
  });
  cleanups.push(() => sim.close());
  return sim;
}

const allOkOn = (version: string) => (sim: FleetSim) =>
  sim.stats().byStatus.OK === sim.connected() &&
  fleetOf(200).every((ws) => sim.statusOf(ws.store, ws.workstation).activeVersion === version);

describe("fleet simulator against aedes", () => {
  it("200 workstations take a signed update and end OK on it, with schema-valid status", async () => {
    const b = await broker();
    const coordinator = await coordinatorOn(b);
    const sim = await fleet(b, coordinator.publicKey, 200);
    expect(sim.connected()).toBe(200);
    await pollUntil(() => coordinator.status.size === 200, 5_000, "200 initial status documents");
    const refs = fleetOf(200);
    await Promise.all(
      refs.map((ref) => coordinator.publish(ref, desired(Date.now(), entry("1.1.0"), ref))),
    );
    await sim.waitFor(allOkOn("1.1.0"), 10_000);
    const stats = sim.stats();
    expect(stats).toMatchObject({
      connected: 200,
      desiredReceived: 200,
      desiredRejected: 0,
      errors: 0,
    });
    expect(stats.byStatus).toMatchObject({ OK: 200, "In Progress": 0, Prepared: 0 });
    // Counted on PUBACK: the last acknowledgements may still be on their way
    // when the simulator's own state is already all OK (a busy machine).
    await pollUntil(
      () => sim.stats().statusesSent >= 200 * 5,
      5_000,
      "at least 5 acknowledged status documents per workstation",
    );
    await pollUntil(
      () =>
        refs.every((ref) => {
          const doc = decodePayload(
            "status",
            coordinator.status.get(`${ref.store}/${ref.workstation}`) ?? "",
          );
          return doc.ok && doc.value.services["pos-client"]?.activeVersion === "1.1.0";
        }),
      5_000,
      "every status document valid and on 1.1.0",
    );
    const seen = coordinator.statusSeen.get("1001/01");
    expect(seen).toEqual(["OK", "Prepared", "In Progress", "In Progress", "OK"]);
    const presence = coordinator.presence.get("1001/01")?.map((text) => JSON.parse(text).state);
    expect(presence).toEqual(["online"]);
  });

  it("an outage fires every will; reconnectAll brings every till back online, status intact", async () => {
    const b = await broker();
    const coordinator = await coordinatorOn(b);
    const sim = await fleet(b, coordinator.publicKey, 50);
    sim.dropAll();
    expect(sim.connected()).toBe(0);
    const last = (key: string) => JSON.parse(coordinator.presence.get(key)?.at(-1) ?? "{}");
    const keys = fleetOf(50).map((ws) => `${ws.store}/${ws.workstation}`);
    await pollUntil(() => keys.every((key) => last(key).state === "offline"), 5_000, "50 wills");
    const willSeq = last("1001/01").seq;
    await sim.reconnectAll();
    expect(sim.connected()).toBe(50);
    await pollUntil(() => keys.every((key) => last(key).state === "online"), 5_000, "50 online");
    expect(last("1001/01").seq).toBeGreaterThan(willSeq);
    expect(sim.stats().byStatus.OK).toBe(50);
  });

  it("after a broker outage it reconnects by itself, with backoff and jitter", async () => {
    const b = await broker();
    const coordinator = await coordinatorOn(b);
    const sim = await fleet(b, coordinator.publicKey, 20, { reconnectJitterMs: 200 });
    const reconnected = new Set<string>();
    await b.pause();
    b.aedes.on("client", (client) => {
      if (client.id.startsWith("agent.")) reconnected.add(client.id);
    });
    await sim.waitFor((s) => s.connected() === 0, 2_000);
    await b.resume();
    await pollUntil(() => reconnected.size === 20, 5_000, "20 simulated agents reconnecting");
    await sim.waitFor((s) => s.connected() === 20, 2_000);
    const last = (key: string) => JSON.parse(coordinator.presence.get(key)?.at(-1) ?? "{}");
    await pollUntil(() => last("1001/01").state === "online", 3_000, "online again");
  });

  it("the same seed gives the same outcomes on two runs", async () => {
    const outcomes: string[][] = [];
    for (const run of [1, 2]) {
      const b = await broker();
      const coordinator = await coordinatorOn(b);
      const sim = await fleet(b, coordinator.publicKey, 60, {
        notReadyShare: 0.3,
        notReadyMs: 200,
        failureShare: 0.25,
      });
      const refs = fleetOf(60);
      await Promise.all(
        refs.map((ref) => coordinator.publish(ref, desired(run, entry("1.1.0"), ref))),
      );
      const settled = (s: FleetSim) =>
        s.stats().desiredReceived === 60 &&
        s.stats().byStatus.OK + s.stats().byStatus["Rolled Back"] === 60;
      await sim.waitFor(settled, 10_000);
      await pollUntil(
        () =>
          refs.every(
            (ref) =>
              (coordinator.statusSeen.get(`${ref.store}/${ref.workstation}`)?.length ?? 0) >= 5,
          ),
        5_000,
        "every status sequence",
      );
      outcomes.push(
        refs.map((ref) => {
          const { status, activeVersion } = sim.statusOf(ref.store, ref.workstation);
          const wasBusy = coordinator.statusSeen
            .get(`${ref.store}/${ref.workstation}`)
            ?.includes("Not Ready");
          return `${status} ${activeVersion} ${wasBusy ? "busy" : "free"}`;
        }),
      );
      await sim.close();
      await b.stop();
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    const first = outcomes[0] ?? [];
    expect(first.some((o) => o.startsWith("Rolled Back 1.0.0"))).toBe(true);
    expect(first.some((o) => o.startsWith("OK 1.1.0"))).toBe(true);
    expect(first.some((o) => o.endsWith("busy"))).toBe(true);
  });

  it("a bad signature or another till's document is rejected; the till stays OK", async () => {
    const b = await broker();
    const coordinator = await coordinatorOn(b);
    const sim = await fleet(b, coordinator.publicKey, 2);
    const stranger = createSigner(generateSigningKeyPair().privateKeyPem);
    const [a, other] = fleetOf(2);
    if (a === undefined || other === undefined) throw new Error("two tills expected");
    await coordinator.publish(a, desired(Date.now(), entry("1.1.0"), a), stranger);
    await coordinator.publish(a, desired(Date.now(), entry("1.1.0"), other));
    await sim.waitFor((s) => s.stats().desiredRejected === 2, 3_000);
    expect(sim.statusOf(a.store, a.workstation)).toEqual({ status: "OK", activeVersion: "1.0.0" });
    expect(sim.stats()).toMatchObject({ desiredReceived: 2, desiredRejected: 2 });
  });
});
