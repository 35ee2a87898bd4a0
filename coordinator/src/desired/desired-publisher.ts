import { encodeDesired, type Signer, TOPIC_KINDS, TOPIC_SPECS, topicFor } from "@tillroll/protocol";
import type { DesiredStore } from "../store/desired-store.js";
import { buildDesiredDocument } from "./desired-document.js";

type Ref = { store: string; workstation: string };

/** How long documents are signed before the event loop gets a turn. */
const SIGN_SLICE_MS = 4;

/** Workstations whose desired state is read at once (in parallel: a PostgreSQL store). */
const READ_BATCH = 200;

/** Publishes one retained QoS 1 message; resolves once the broker has it. */
export type RetainedPublish = (topic: string, payload: string) => Promise<void>;

/**
 * Signs and publishes desired documents, retained, QoS 1. Documents are
 * built from the stored desired state, so publishing is repeatable: on start
 * every workstation's document is published again (the embedded broker
 * keeps nothing across restarts).
 */
export class DesiredPublisher {
  /**
   * The last send queued: sends run one after another, in the order their
   * seqs were reserved, so a workstation's retained document never goes back
   * to a lower seq (a later small send overtaking a 10,000-document one).
   */
  #tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly publishRetained: RetainedPublish,
    private readonly store: DesiredStore,
    private readonly signer: Signer,
    private readonly topicRoot: string,
    private readonly now: () => number,
    /** Where a send that failed after its answer is reported (sendAfterAnswer). */
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  publish(ref: Ref): Promise<void> {
    return this.publishMany([ref]);
  }

  /** Reserves the seqs durably, then sends: documents only ever go up, even across a crash. */
  async publishMany(refs: readonly Ref[]): Promise<void> {
    if (refs.length === 0) return;
    const first = await this.store.reserveSeqs(refs.length);
    await this.send(refs, first);
  }

  /**
   * Signs and sends the documents with seqs first, first + 1, ... once every
   * earlier send is done; resolves when the broker has them all.
   */
  send(refs: readonly Ref[], first: number): Promise<void> {
    const run = this.#tail.then(() => this.#sendNow(refs, first));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /**
   * The same send, for work already durable whose answer does not wait for
   * it (a 10,000-row set-preferred answers once the desired state and rows
   * are written): queued in order, a failure logged. Nothing is lost if it
   * fails or the coordinator stops first: documents are built from the
   * stored desired state and every one is published again on start.
   */
  sendAfterAnswer(refs: readonly Ref[], first: number): void {
    if (refs.length === 0) return;
    this.send(refs, first).catch((error: unknown) => {
      this.log(
        `publishing ${refs.length} desired document(s) failed (published again on the next start): ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  /** Resolves once every send queued so far is done (failed ones included). */
  idle(): Promise<void> {
    return this.#tail;
  }

  /**
   * On stop: waits for queued sends, at most `maxMs` (a broker that stopped
   * acknowledging must not hold the stop; start publishes everything again).
   */
  async settle(maxMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
    });
    await Promise.race([this.idle(), waited]);
    clearTimeout(timer);
  }

  /** All documents in flight at once, QoS 1, signed in slices. */
  async #sendNow(refs: readonly Ref[], first: number): Promise<void> {
    const ts = new Date(this.now()).toISOString();
    const sends: Promise<void>[] = [];
    let sliceStart = performance.now();
    for (let start = 0; start < refs.length; start += READ_BATCH) {
      const batch = refs.slice(start, start + READ_BATCH);
      const desired = await Promise.all(batch.map((ref) => this.store.servicesOf(ref)));
      const fields = await Promise.all(batch.map((ref) => this.store.fieldsOf(ref)));
      for (let offset = 0; offset < batch.length; offset++) {
        // Signing is synchronous CPU work (some 0.1 ms a document): yield once a slice
        // has taken SIGN_SLICE_MS, so status ingestion and the console are served during
        // a 10,000-till change. (A count of 200 documents was 20 ms on a quiet machine
        // and over 100 ms on a busy one: an event-loop stall of every rollout.)
        if (performance.now() - sliceStart >= SIGN_SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
        const ref = batch[offset] as Ref;
        const doc = buildDesiredDocument(
          ref,
          desired[offset] ?? {},
          first + start + offset,
          ts,
          fields[offset] ?? {},
        );
        const payload = encodeDesired(doc, this.signer);
        const sent = payload.ok
          ? this.publishRetained(topicFor("desired", ref, this.topicRoot), payload.value)
          : Promise.reject(
              new Error(
                `desired document for ${ref.store}/${ref.workstation} refused: ${payload.error}`,
              ),
            );
        // Promise.all below reports it; until then (slices later) it is not "unhandled".
        sent.catch(() => undefined);
        sends.push(sent);
      }
    }
    await Promise.all(sends);
  }

  /**
   * Clears every retained message of a removed workstation (its desired document, and its
   * status, presence, session and maintenance documents): an empty retained payload deletes
   * one. A till enrolled again under the id then starts from nothing, and no old status can
   * be replayed into its new rows.
   */
  async clearWorkstation(ref: Ref): Promise<void> {
    const retained = TOPIC_KINDS.filter((kind) => TOPIC_SPECS[kind].retained);
    await Promise.all(
      retained.map((kind) => this.publishRetained(topicFor(kind, ref, this.topicRoot), "")),
    );
  }

  async republishAll(): Promise<number> {
    const refs = (await this.store.all()).map((entry) => entry.ref);
    await this.publishMany(refs);
    return refs.length;
  }
}
