import {
  createSigner,
  type DesiredDocument,
  type DesiredService,
  decodePayload,
  encodeDesired,
  generateSigningKeyPair,
  type Signer,
  type Status,
  topicFor,
} from "@tillroll/protocol";
import type { MqttClient } from "mqtt";
import type { TestBroker } from "../support/broker.js";
import { closeClient, connectClient, publishQos1, subscribeQos1 } from "../support/mqtt-client.js";

/**
 * Fixtures of the simulator's own tests: desired documents to feed it, the
 * fleets' ids, and a stand-in for the coordinator (signs desired documents,
 * watches status and presence) on a plain aedes broker.
 */

export const ARTIFACT = { url: "http://127.0.0.1:9/packs/p.tgz", sha256: "a".repeat(64), size: 1 };
export const TS = "2026-11-21T22:00:00.000Z";

/** One service entry of a desired document; `null` is "-" (no update planned). */
export function entry(
  version: string | null,
  requestId = "r-1",
  validFrom: string | null = null,
): DesiredService {
  return version === null
    ? { preferredVersion: null, validFrom: null, requestId: null, artifact: null }
    : { preferredVersion: version, validFrom, requestId, artifact: ARTIFACT };
}

/** A desired document with `service` as `pos-client` (or no service at all). */
export function desired(
  seq: number,
  service: DesiredService | undefined,
  ref: { store: string; workstation: string } = { store: "1001", workstation: "01" },
): DesiredDocument {
  const services: Record<string, DesiredService> = {};
  if (service !== undefined) services["pos-client"] = service;
  return { schema: 1, seq, ts: TS, ...ref, services };
}

/** `count` workstations spread over `stores` stores: 1001/01, 1002/01, … */
export function fleetOf(count: number, stores = 10) {
  return Array.from({ length: count }, (_, i) => ({
    store: String(1001 + (i % stores)),
    workstation: String(Math.floor(i / stores) + 1).padStart(2, "0"),
  }));
}

export interface CoordinatorDouble {
  publicKey: string;
  /** The latest status payload per `store/ws`. */
  status: Map<string, Buffer>;
  /** Every presence payload per `store/ws`, in arrival order. */
  presence: Map<string, string[]>;
  /** Every reported status of `pos-client` per `store/ws`, in arrival order. */
  statusSeen: Map<string, Status[]>;
  publish(
    ref: { store: string; workstation: string },
    doc: DesiredDocument,
    by?: Signer,
  ): Promise<void>;
  close(): Promise<void>;
}

/** Plays the coordinator on `broker`: its own signing key, fleet-wide status and presence. */
export async function coordinatorDouble(broker: TestBroker): Promise<CoordinatorDouble> {
  const keys = generateSigningKeyPair();
  const signer = createSigner(keys.privateKeyPem);
  const client: MqttClient = await connectClient(broker.url, "coord");
  const status = new Map<string, Buffer>();
  const presence = new Map<string, string[]>();
  const statusSeen = new Map<string, Status[]>();
  client.on("message", (topic, payload) => {
    const [, , , store, ws, kind] = topic.split("/");
    const key = `${store}/${ws}`;
    if (kind === "status") {
      status.set(key, payload);
      const doc = decodePayload("status", payload);
      const service = doc.ok ? doc.value.services["pos-client"] : undefined;
      if (service !== undefined) {
        statusSeen.set(key, [...(statusSeen.get(key) ?? []), service.status]);
      }
    } else if (kind === "presence") {
      presence.set(key, [...(presence.get(key) ?? []), String(payload)]);
    }
  });
  try {
    await subscribeQos1(client, ["tillroll/v1/ws/+/+/status", "tillroll/v1/ws/+/+/presence"]);
  } catch (error) {
    await closeClient(client);
    throw error;
  }
  return {
    publicKey: keys.publicKey,
    status,
    presence,
    statusSeen,
    async publish(ref, doc, by = signer) {
      const payload = encodeDesired(doc, by);
      if (!payload.ok) throw new Error(payload.error);
      await publishQos1(client, topicFor("desired", ref), payload.value, true);
    },
    close: () => closeClient(client),
  };
}
