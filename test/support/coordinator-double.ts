import {
  type Artifact,
  createSigner,
  DEFAULT_TOPIC_ROOT,
  type DesiredDocument,
  type DesiredRecipe,
  encodeDesired,
  generateSigningKeyPair,
  type MaintenanceWindow,
  type SigningKeyPair,
  topicFor,
  type WorkstationRef,
} from "@tillroll/protocol";
import { closeClient, connectClient, publishQos1 } from "./mqtt-client.js";

/**
 * A stand-in for the coordinator that speaks the real protocol: it signs
 * desired documents with a real Ed25519 key and publishes them retained,
 * QoS 1, on the real topic. Agent tests can run before the coordinator
 * exists, and what they prove holds against any coordinator that sends the
 * same bytes.
 */

export interface DesiredServiceInput {
  preferredVersion: string | null;
  validFrom?: string | null;
  requestId?: string | null;
  artifact?: Artifact | null;
  /** Issue 11: sent only when given (an absent field is what older coordinators send). */
  window?: MaintenanceWindow | null;
  redeploy?: boolean;
  /** Issue 13: sent only when given. */
  recipe?: DesiredRecipe | null;
}

export interface DesiredPublisher {
  /** `ed25519:...`, to pin in agent configs. */
  publicKey: string;
  keyId: string;
  keyPair: SigningKeyPair;
  /** The desired topic of a workstation under this publisher's root. */
  topic(ref: WorkstationRef): string;
  /**
   * Signs and publishes the whole desired state (retained, QoS 1, waits for
   * PUBACK). Absent fields become null. Without `opts.seq` the seq is
   * `max(last + 1, Date.now())`: it grows across publisher instances too,
   * as the protocol asks of a coordinator that restarts.
   */
  publishDesired(
    ref: WorkstationRef,
    services: Record<string, DesiredServiceInput>,
    opts?: { seq?: number; ts?: string },
  ): Promise<{ seq: number; payload: string }>;
  /** Any bytes on any topic (retained by default, like desired): for tests of refusals. */
  publishRaw(topic: string, payload: string | Buffer, retain?: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function createDesiredPublisher(options: {
  brokerUrl: string;
  keyPair?: SigningKeyPair;
  root?: string;
}): Promise<DesiredPublisher> {
  const keyPair = options.keyPair ?? generateSigningKeyPair();
  const signer = createSigner(keyPair.privateKeyPem);
  const root = options.root ?? DEFAULT_TOPIC_ROOT;
  const client = await connectClient(options.brokerUrl, "coord");
  let lastSeq = 0;

  return {
    publicKey: keyPair.publicKey,
    keyId: keyPair.keyId,
    keyPair,
    topic: (ref) => topicFor("desired", ref, root),
    async publishDesired(ref, services, opts = {}) {
      const seq = opts.seq ?? Math.max(lastSeq + 1, Date.now());
      // An explicit lower seq (a replay test) must not pull later auto seqs down.
      lastSeq = Math.max(lastSeq, seq);
      const doc: DesiredDocument = {
        schema: 1,
        seq,
        ts: opts.ts ?? new Date().toISOString(),
        store: ref.store,
        workstation: ref.workstation,
        services: Object.fromEntries(
          Object.entries(services).map(([name, service]) => [
            name,
            {
              preferredVersion: service.preferredVersion,
              validFrom: service.validFrom ?? null,
              requestId: service.requestId ?? null,
              artifact: service.artifact ?? null,
              ...(service.window === undefined ? {} : { window: service.window }),
              ...(service.redeploy === undefined ? {} : { redeploy: service.redeploy }),
              ...(service.recipe === undefined ? {} : { recipe: service.recipe }),
            },
          ]),
        ),
      };
      const encoded = encodeDesired(doc, signer);
      // A fixture must not publish what a real coordinator never could.
      if (!encoded.ok) throw new Error(`publishDesired: ${encoded.error}`);
      await publishQos1(client, topicFor("desired", ref, root), encoded.value, true);
      return { seq, payload: encoded.value };
    },
    async publishRaw(topic, payload, retain = true) {
      await publishQos1(client, topic, payload, retain);
    },
    close: () => closeClient(client),
  };
}
