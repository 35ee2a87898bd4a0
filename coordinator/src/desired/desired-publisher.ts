import { encodeDesired, type Signer, topicFor } from "@tillroll/protocol";
import type { MqttClient } from "mqtt";
import type { StateStore } from "../state/state-store.js";
import { buildDesiredDocument, nextDesiredSeq } from "./desired-document.js";

type Ref = { store: string; workstation: string };

/**
 * Signs and publishes desired documents, retained, QoS 1. Documents are
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

  publish(ref: Ref): Promise<void> {
    return this.publishMany([ref]);
  }

  /**
   * Publishes the documents of many workstations: their seqs are taken and
   * persisted in one write first (documents only ever go up, even across a
   * crash), then every publish is in flight at once, QoS 1 pipelined.
   */
  async publishMany(refs: readonly Ref[]): Promise<void> {
    if (refs.length === 0) return;
    const { state } = this.store;
    const first = nextDesiredSeq(state.desiredSeq, this.now());
    state.desiredSeq = first + refs.length - 1;
    await this.store.save();
    const ts = new Date(this.now()).toISOString();
    await Promise.all(
      refs.map((ref, index) => {
        const services = state.desired[`${ref.store}/${ref.workstation}`] ?? {};
        const doc = buildDesiredDocument(ref, services, first + index, ts);
        const payload = encodeDesired(doc, this.signer);
        if (!payload.ok) {
          return Promise.reject(
            new Error(
              `desired document for ${ref.store}/${ref.workstation} refused: ${payload.error}`,
            ),
          );
        }
        return this.client.publishAsync(topicFor("desired", ref, this.topicRoot), payload.value, {
          qos: 1,
          retain: true,
        });
      }),
    );
  }

  async republishAll(): Promise<number> {
    const refs = Object.keys(this.store.state.desired).map((key) => {
      const [store = "", workstation = ""] = key.split("/");
      return { store, workstation };
    });
    await this.publishMany(refs);
    return refs.length;
  }
}
