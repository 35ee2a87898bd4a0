import {
  createSigner,
  decodePayload,
  encodeDesired,
  fleetFilter,
  generateSigningKeyPair,
  topicFor,
} from "@tillroll/protocol";
import mqtt from "mqtt";
import { startFleetProcs } from "../../sim/fleet-procs.js";
import { type FleetSim, type FleetSimOptions, startFleetSim } from "../../sim/fleet-sim.js";
import { startFloorBroker } from "./fleet-world.js";

/**
 * The floor: the same broker code and the same simulated fleet, but instead
 * of the coordinator a bare MQTT client that publishes pre-signed desired
 * documents and counts status documents. What the coordinator adds on top
 * (store, planning, HTTP, ingestion) is the ratio.
 */
export interface FloorFleet {
  sim: FleetSim;
  client: mqtt.MqttClient;
  /** Status documents received, per workstation: the last one. */
  statuses: Map<string, { status: string; active: string | null }>;
  received(): number;
  /** Workstations whose last status says pos-client is OK on `version` (kept as they arrive). */
  okOn(version: string): number;
  publishDesired(version: string, url: string): Promise<void>;
  close(): Promise<void>;
}

export interface FloorOptions {
  /** Simulator processes, as the coordinator's run uses (fleet-procs.ts); default 1: in this process. */
  simProcesses?: number;
  /**
   * An external broker already running (anonymous, `mqtt://127.0.0.1:PORT`),
   * e.g. Mosquitto; default: the coordinator's broker code in its own process.
   */
  externalBroker?: string;
}

export async function startFloorFleet(
  ids: { store: string; workstation: string }[],
  installMs: { min: number; max: number },
  options: FloorOptions = {},
): Promise<FloorFleet> {
  const broker =
    options.externalBroker === undefined
      ? await startFloorBroker()
      : {
          url: options.externalBroker,
          username: "floor",
          password: "floor",
          close: async () => {},
        };
  const keys = generateSigningKeyPair();
  const signer = createSigner(keys.privateKeyPem);
  const client = await mqtt.connectAsync(broker.url, {
    username: broker.username,
    password: broker.password,
    protocolVersion: 4,
    clientId: "floor",
  });
  const statuses = new Map<string, { status: string; active: string | null }>();
  /** OK statuses per active version, so a wait over 50,000 tills does not scan them all. */
  const okCounts = new Map<string, number>();
  let count = 0;
  client.on("message", (_topic, payload) => {
    const doc = decodePayload("status", payload);
    if (!doc.ok) return;
    count += 1;
    const service = doc.value.services["pos-client"];
    if (service === undefined) return;
    const key = `${doc.value.store}/${doc.value.workstation}`;
    const before = statuses.get(key);
    if (before?.status === "OK" && before.active !== null)
      okCounts.set(before.active, (okCounts.get(before.active) ?? 1) - 1);
    statuses.set(key, { status: service.status, active: service.activeVersion });
    if (service.status === "OK" && service.activeVersion !== null)
      okCounts.set(service.activeVersion, (okCounts.get(service.activeVersion) ?? 0) + 1);
  });
  await client.subscribeAsync(fleetFilter("status"), { qos: 1 });
  const simOptions: FleetSimOptions = {
    brokerUrl: broker.url,
    coordinatorKey: keys.publicKey,
    workstations: ids.map((id) => ({
      ...id,
      username: `agent.${id.store}.${id.workstation}`,
      password: "x",
    })),
    initialVersion: "1.0.0",
    seed: 7,
    installMs,
  };
  const processes = options.simProcesses ?? 1;
  const sim =
    processes > 1
      ? await startFleetProcs({ ...simOptions, processes })
      : await startFleetSim(simOptions);
  let seq = Date.now();
  return {
    sim,
    client,
    statuses,
    received: () => count,
    okOn: (version) => okCounts.get(version) ?? 0,
    async publishDesired(version, url) {
      const ts = new Date().toISOString();
      const docs = ids.map((id) => {
        seq += 1;
        const encoded = encodeDesired(
          {
            schema: 1,
            seq,
            ts,
            store: id.store,
            workstation: id.workstation,
            services: {
              "pos-client": {
                preferredVersion: version,
                validFrom: null,
                requestId: `f${seq}`,
                artifact: { url, sha256: "a".repeat(64), size: 1 },
              },
            },
          },
          signer,
        );
        if (!encoded.ok) throw new Error(encoded.error);
        return { topic: topicFor("desired", id), payload: encoded.value };
      });
      await Promise.all(
        docs.map((d) => client.publishAsync(d.topic, d.payload, { qos: 1, retain: true })),
      );
    },
    async close() {
      await sim.close();
      await client.endAsync();
      await broker.close();
    },
  };
}
