import {
  DEFAULT_TOPIC_ROOT,
  decodePayload,
  type InstallLogLine,
  type MaintenanceDocument,
  type NoticeDocument,
  type PayloadOf,
  type PresenceDocument,
  parseTopic,
  type StatusDocument,
  topicFor,
  type UnsignedTopicKind,
} from "@tillroll/protocol";
import { closeClient, connectClient, subscribeQos1 } from "./mqtt-client.js";

/**
 * Watches what an agent reports about one workstation, the way the
 * coordinator will: every payload is decoded and validated with the protocol
 * package, so a test passes only if the agent sends documents a real
 * coordinator accepts. Anything invalid is kept in `invalid` for the test to
 * assert is empty.
 */

export interface WaitOptions {
  /**
   * Also look at documents already received, from this index of the list
   * (e.g. its length before the action under test), so a state that came and
   * went before the wait began (a short In Progress) is still seen.
   */
  fromIndex?: number;
}

type Predicate<T> = (doc: T) => boolean;

export interface StatusWatcher {
  /** Every valid status document, in arrival order (retained redeliveries included). */
  all: StatusDocument[];
  /** The status document with the highest seq: the agent's current report. */
  latest(): StatusDocument | undefined;
  /**
   * Resolves with the first document matching `predicate` among: the current
   * latest, then each newer one as it arrives (and, with `fromIndex`, the
   * ones received before). Rejects after `timeoutMs` showing the last one.
   */
  waitFor(
    predicate: Predicate<StatusDocument>,
    timeoutMs: number,
    opts?: WaitOptions,
  ): Promise<StatusDocument>;
  presence: PresenceDocument[];
  waitForPresence(
    predicate: Predicate<PresenceDocument>,
    timeoutMs: number,
    opts?: WaitOptions,
  ): Promise<PresenceDocument>;
  maintenance: MaintenanceDocument[];
  waitForMaintenance(
    predicate: Predicate<MaintenanceDocument>,
    timeoutMs: number,
    opts?: WaitOptions,
  ): Promise<MaintenanceDocument>;
  notices: NoticeDocument[];
  /** Install log lines; they are events, so waitForLog searches all of them by default. */
  logs: InstallLogLine[];
  waitForLog(
    predicate: Predicate<InstallLogLine>,
    timeoutMs: number,
    opts?: WaitOptions,
  ): Promise<InstallLogLine>;
  /** `<topic>: <why>` for every payload that failed validation. */
  invalid: string[];
  close(): Promise<void>;
}

interface Waiter<T> {
  offer(doc: T, isLatest: boolean): void;
  fail(error: Error): void;
}

/** One kind's documents, its current (highest-seq) one and the waits on it. */
function feed<T extends { seq: number }>(label: string, latestOnly: boolean) {
  const items: T[] = [];
  const waiters = new Set<Waiter<T>>();
  let latest: T | undefined;

  function push(doc: T): void {
    items.push(doc);
    const isLatest = latest === undefined || doc.seq >= latest.seq;
    if (isLatest) latest = doc;
    for (const waiter of [...waiters]) waiter.offer(doc, isLatest);
  }

  function waitFor(predicate: Predicate<T>, timeoutMs: number, opts: WaitOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const from = opts.fromIndex ?? (latestOnly ? undefined : 0);
      const earlier = from === undefined ? (latest ? [latest] : []) : items.slice(from);
      const hit = earlier.find(predicate);
      if (hit !== undefined) {
        resolve(hit);
        return;
      }
      const waiter: Waiter<T> = {
        offer(doc, isLatest) {
          if (latestOnly && !isLatest) return;
          let matched: boolean;
          try {
            matched = predicate(doc);
          } catch (error) {
            done();
            reject(error);
            return;
          }
          if (matched) {
            done();
            resolve(doc);
          }
        },
        fail(error) {
          done();
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        done();
        const last = latestOnly ? latest : items.at(-1);
        const shown = last === undefined ? "none received" : JSON.stringify(last, null, 2);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${label}; last: ${shown}`));
      }, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        waiters.delete(waiter);
      }
      waiters.add(waiter);
    });
  }

  return {
    items,
    push,
    waitFor,
    latest: () => latest,
    failAll(error: Error): void {
      for (const waiter of [...waiters]) waiter.fail(error);
    },
  };
}

const WATCHED = ["status", "presence", "maintenance", "notice", "log"] as const;

export async function watchStatus(options: {
  brokerUrl: string;
  store: string;
  workstation: string;
  root?: string;
}): Promise<StatusWatcher> {
  const root = options.root ?? DEFAULT_TOPIC_ROOT;
  const ref = { store: options.store, workstation: options.workstation };
  const id = `${ref.store}/${ref.workstation}`;
  const status = feed<StatusDocument>(`status of ${id}`, true);
  const presence = feed<PresenceDocument>(`presence of ${id}`, true);
  const maintenance = feed<MaintenanceDocument>(`maintenance of ${id}`, true);
  const notices = feed<NoticeDocument>(`notice of ${id}`, false);
  const logs = feed<InstallLogLine>(`log line of ${id}`, false);
  const invalid: string[] = [];

  // Decode with the topic's own schema, so each list holds only valid documents of its kind.
  function take<K extends UnsignedTopicKind>(
    kind: K,
    topic: string,
    payload: Buffer,
    push: (doc: PayloadOf<K>) => void,
  ): void {
    const doc = decodePayload(kind, payload);
    if (doc.ok) push(doc.value);
    else invalid.push(`${topic}: ${doc.error}`);
  }

  function receive(kind: UnsignedTopicKind, topic: string, payload: Buffer): void {
    switch (kind) {
      case "status":
        take("status", topic, payload, status.push);
        break;
      case "presence":
        take("presence", topic, payload, presence.push);
        break;
      case "maintenance":
        take("maintenance", topic, payload, maintenance.push);
        break;
      case "notice":
        take("notice", topic, payload, notices.push);
        break;
      case "log":
        take("log", topic, payload, logs.push);
        break;
      default:
        invalid.push(`${topic}: not a topic the agent publishes`);
    }
  }

  const client = await connectClient(options.brokerUrl, "watch");
  client.on("message", (topic, payload) => {
    // An empty retained payload is a test clearing the topic, not a document.
    if (payload.length === 0) return;
    const address = parseTopic(topic, root);
    if (!address.ok || address.value.kind === "desired") {
      invalid.push(`${topic}: ${address.ok ? "not a topic the agent publishes" : address.error}`);
      return;
    }
    receive(address.value.kind, topic, payload);
  });
  try {
    await subscribeQos1(
      client,
      WATCHED.map((kind) => topicFor(kind, ref, root)),
    );
  } catch (error) {
    await closeClient(client);
    throw error;
  }

  return {
    all: status.items,
    latest: status.latest,
    waitFor: status.waitFor,
    presence: presence.items,
    waitForPresence: presence.waitFor,
    maintenance: maintenance.items,
    waitForMaintenance: maintenance.waitFor,
    notices: notices.items,
    logs: logs.items,
    waitForLog: logs.waitFor,
    invalid,
    async close() {
      const closed = new Error(`watcher of ${id} closed`);
      for (const kind of [status, presence, maintenance, notices, logs]) kind.failAll(closed);
      await closeClient(client);
    },
  };
}
