import { createRequire } from "node:module";
import { Readable } from "node:stream";

/**
 * Retained messages, indexed by topic, for the embedded aedes broker.
 *
 * Why: aedes asks its persistence for the retained messages matching every
 * filter of every SUBSCRIBE (`createRetainedStreamCombi`). The default memory
 * persistence (aedes-persistence 11, asyncPersistence.js,
 * `retainedMessagesByPattern`) builds a fresh Qlobber for the filter and tests
 * it against *every* retained message, even when the filter is an exact topic
 * name. Our retained state is one document per workstation and kind, so a
 * fleet of 10,000 tills holds tens of thousands of retained messages, and
 * after a coordinator restart every agent and POS subscribes to its exact
 * topics at once: O(subscriptions × retained). Measured: 10,000 tills
 * reconnecting against 10,000 retained messages took ~55 s with the default
 * persistence and ~2 s with this index.
 *
 * How: the retained messages live in a `Map<topic, packet>`. A filter without
 * wildcards is a topic name (MQTT 3.1.1 §4.7.1) and can match only itself, so
 * it is answered by one lookup. Only filters with `+` or `#` (the
 * coordinator's fleet filters) scan, with a matcher compiled once per filter
 * and a literal-prefix check before any split.
 *
 * Everything else (sessions, subscriptions, queued QoS 1 messages, wills) is
 * the default memory persistence, by subclassing it, plus dropSession for
 * persistent sessions the broker expires (client-ids.ts). aedes-persistence is
 * aedes's own dependency, not ours, so it is loaded from where aedes resolves
 * it: this is exactly the class aedes would otherwise instantiate.
 */

/** The part of an aedes packet this persistence looks at. */
export interface RetainedPacket {
  topic: string;
  payload: Buffer | string;
  [key: string]: unknown;
}

/** The members of aedes-persistence's MemoryPersistence this class overrides or uses. */
interface MemoryPersistence {
  setup(broker: unknown): Promise<void>;
  storeRetained(packet: RetainedPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
  cleanSubscriptions(client: { id: string }): Promise<void>;
  outgoingStream(client: { id: string }): Readable;
  outgoingClearMessageId(client: { id: string }, packet: { messageId?: number }): Promise<unknown>;
  cleanIncoming(client: { id: string }): Promise<void>;
  delWill(client: { id: string }): Promise<unknown>;
  destroy(): Promise<void>;
}

type MemoryPersistenceClass = new (options?: Record<string, unknown>) => MemoryPersistence;

const requireFromAedes = createRequire(createRequire(import.meta.url).resolve("aedes"));
const MemoryPersistenceBase = requireFromAedes(
  "aedes-persistence/asyncPersistence.js",
) as MemoryPersistenceClass;

export class RetainedIndexPersistence extends MemoryPersistenceBase {
  readonly #retained = new Map<string, RetainedPacket>();

  /** Number of retained messages held. */
  get retainedCount(): number {
    return this.#retained.size;
  }

  /**
   * A retained PUBLISH replaces the message held for its topic; one with a
   * zero-byte payload removes it (MQTT 3.1.1 §3.3.1.3, MQTT-3.3.1-10/11).
   * The packet is copied, as the default persistence does: aedes goes on
   * using (and setting message ids on) the object it passed in.
   */
  override async storeRetained(packet: RetainedPacket): Promise<void> {
    if (packet.payload.length === 0) this.#retained.delete(packet.topic);
    else this.#retained.set(packet.topic, { ...packet });
  }

  override createRetainedStream(pattern: string): Readable {
    return Readable.from(this.#matching([pattern]));
  }

  /**
   * The retained messages for all filters of one SUBSCRIBE. A message matched
   * by several overlapping filters is sent once: MQTT 3.1.1 §3.3.5 requires
   * one delivery and only permits further copies.
   */
  override createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(this.#matching(patterns));
  }

  /**
   * Discards the stored session of a client id that is not connected: its
   * subscriptions (so nothing more is queued for it), its queued outgoing
   * messages, its unfinished QoS 2 receipts and any will. The base class
   * keeps the queue private; it is emptied one message at a time by packet
   * id, as aedes clears acknowledged messages.
   */
  async dropSession(clientId: string): Promise<void> {
    const client = { id: clientId };
    await this.cleanSubscriptions(client);
    const queued: { messageId?: number }[] = [];
    for await (const packet of this.outgoingStream(client)) queued.push(packet);
    for (const packet of queued) {
      await this.outgoingClearMessageId(client, { messageId: packet.messageId });
    }
    await this.cleanIncoming(client);
    await this.delWill(client);
  }

  override async destroy(): Promise<void> {
    this.#retained.clear();
    await super.destroy();
  }

  *#matching(patterns: readonly string[]): Generator<RetainedPacket> {
    const sent = patterns.length > 1 ? new Set<string>() : null;
    for (const pattern of patterns) {
      if (!hasWildcard(pattern)) {
        // Exact filter: one lookup instead of a scan.
        const packet = this.#retained.get(pattern);
        if (packet !== undefined && !sent?.has(pattern)) {
          sent?.add(pattern);
          yield packet;
        }
        continue;
      }
      const matches = compileFilter(pattern);
      for (const [topic, packet] of this.#retained) {
        if (matches(topic) && !sent?.has(topic)) {
          sent?.add(topic);
          yield packet;
        }
      }
    }
  }
}

export function createRetainedIndexPersistence(): RetainedIndexPersistence {
  return new RetainedIndexPersistence();
}

function hasWildcard(filter: string): boolean {
  return filter.includes("+") || filter.includes("#");
}

/**
 * MQTT 3.1.1 topic matching (§4.7): `+` matches exactly one level, `#` (last)
 * any number of levels including none, so `a/#` also matches `a`
 * (§4.7.1.2); a filter starting with a wildcard does not match topic names
 * starting with `$` (§4.7.2, MQTT-4.7.2-1).
 */
export function compileFilter(filter: string): (topic: string) => boolean {
  const levels = filter.split("/");
  const firstWildcard = levels.findIndex((level) => level === "+" || level === "#");
  const literal = firstWildcard === -1 ? filter : levels.slice(0, firstWildcard).join("/");
  // Topics must start with the literal levels before the first wildcard,
  // followed by a level separator (or end, for `a/#` matching `a`).
  const prefix = firstWildcard > 0 ? `${literal}/` : "";
  const dollarGuard = firstWildcard === 0;
  const multi = levels[levels.length - 1] === "#";

  return (topic: string): boolean => {
    if (dollarGuard && topic.startsWith("$")) return false;
    if (firstWildcard === -1) return topic === filter;
    if (!topic.startsWith(prefix))
      return multi && topic === literal && firstWildcard === levels.length - 1;
    const parts = topic.split("/");
    for (let i = firstWildcard; i < levels.length; i++) {
      const level = levels[i];
      if (level === "#") return true;
      if (i >= parts.length) return false;
      if (level !== "+" && level !== parts[i]) return false;
    }
    return parts.length === levels.length;
  };
}
