import { encodeDesired, type Signer, topicFor } from "@tillroll/protocol";
import type { MqttClient } from "mqtt";
import type { StateStore } from "../state/state-store.js";
import { buildDesiredDocument, nextDesiredSeq } from "./desired-document.js";

/**
 * Signs and publishes desired documents, retained, QoS 1. The document is
 * built from the stored desired state, so publishing is repeatable: on start
 * every workstation's document is published again (the embedded broker
 * keeps nothing across restarts).
 */
export class DesiredPublisher {
  constructor(
    private readonly client: MqttClient,
    private readonly store: StateStore,
    private readonly signer: Signer,
    private readonly topicRoot: string,
    private readonly now: () => number,
  ) {}

  /** Takes the next seq and persists it before publishing (documents only ever go up). */
  async publish(ref: { store: string; workstation: string }): Promise<void> {
    const { state } = this.store;
    state.desiredSeq = nextDesiredSeq(state.desiredSeq, this.now());
    await this.store.save();
    const services = state.desired[`${ref.store}/${ref.workstation}`] ?? {};
    const doc = buildDesiredDocument(
      ref,
      services,
      state.desiredSeq,
      new Date(this.now()).toISOString(),
    );
    const payload = encodeDesired(doc, this.signer);
    if (!payload.ok)
      throw new Error(
        `desired document for ${ref.store}/${ref.workstation} refused: ${payload.error}`,
      );
    await this.client.publishAsync(topicFor("desired", ref, this.topicRoot), payload.value, {
      qos: 1,
      retain: true,
    });
  }

  async republishAll(): Promise<number> {
    let count = 0;
    for (const key of Object.keys(this.store.state.desired)) {
      const [store = "", workstation = ""] = key.split("/");
      await this.publish({ store, workstation });
      count += 1;
    }
    return count;
  }
}
