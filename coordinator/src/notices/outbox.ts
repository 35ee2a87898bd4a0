import type { NoticeEvent } from "./notice-model.js";

/**
 * The durable outbox of notices (issue 11): what must still be delivered to
 * whom. Storage behind an interface (the JSON files in store/json/ are one
 * implementation); every method that changes something resolves once the
 * change is durable, so a notice accepted is delivered even after a kill -9.
 */

/** A receiver: one webhook (`webhook:2`) or the mail channel (`mail`). */
export type ReceiverId = string;

export const MAIL_RECEIVER = "mail";
export const webhookReceiver = (id: string): ReceiverId => `webhook:${id}`;

/** One receiver's delivery of one notice. */
export interface PlannedDelivery {
  readonly receiver: ReceiverId;
  /** Mail only: the addresses resolved when the notice was published. */
  readonly to: readonly string[] | null;
  /** When it was delivered (or given up: the webhook was removed); null while pending. */
  readonly doneAt: string | null;
  /** Why it ended without delivery (`webhook 2 removed`); null when delivered or pending. */
  readonly dropped: string | null;
}

export interface OutboxNotice {
  /** 1, 2, …: the order every receiver gets its notices in. */
  readonly seq: number;
  /** The delivery id (a UUID): webhooks get it as `X-Tillroll-Delivery` and `id`. */
  readonly id: string;
  /** The publisher's idempotency key: a second publish with it is dropped. */
  readonly key: string;
  readonly event: NoticeEvent;
  /** When it was published (ISO 8601 UTC). */
  readonly at: string;
  /** The webhook body's `data`, and what mails are rendered from. */
  readonly data: Readonly<Record<string, unknown>>;
  readonly deliveries: readonly PlannedDelivery[];
}

/** What publish hands the outbox: a notice without its seq (the outbox numbers it). */
export type NewNotice = Omit<OutboxNotice, "seq">;

export interface NoticeOutbox {
  /**
   * Stores the notices whose key is not in the outbox yet, in order, each
   * with the next seq; resolves with those added once they are durable.
   */
  add(notices: readonly NewNotice[]): Promise<OutboxNotice[]>;
  /** Whether a notice with this key is kept (published before, not yet compacted). */
  has(key: string): boolean;
  /** The receiver's head: its pending delivery of the lowest seq, if any. */
  head(receiver: ReceiverId): OutboxNotice | undefined;
  /** Receivers with a pending delivery. */
  pendingReceivers(): ReceiverId[];
  /** Marks the receiver's delivery of notice `seq` done (delivered, or dropped with why). */
  markDone(seq: number, receiver: ReceiverId, dropped?: string): Promise<void>;
  /** Every notice kept (pending and recently done), by seq. */
  list(): OutboxNotice[];
  /** The mail addresses a task's planning mail went to (kept for its cancel mail). */
  taskMail(taskId: string): readonly string[] | undefined;
  /** Remembers them; durable when resolved. */
  rememberTaskMail(taskId: string, to: readonly string[]): Promise<void>;
}

/** Whether every delivery of a notice is done. */
export function settled(notice: OutboxNotice): boolean {
  return notice.deliveries.every((delivery) => delivery.doneAt !== null);
}

/**
 * Bounded growth: a settled notice is kept this long, and at most this many
 * settled ones (the oldest go first), so `notice list`-style inspection and
 * duplicate keys of recent publishes still work; the newest notice is never
 * removed (it holds the seq high-water mark).
 */
export const KEEP_SETTLED_MS = 7 * 24 * 3600_000;
export const KEEP_SETTLED_COUNT = 500;
/** Task mail addresses kept for at most this many tasks (the oldest go first). */
export const KEEP_TASK_MAIL = 1000;

/** Pure: the seqs of settled notices to remove now. */
export function compactable(
  notices: readonly OutboxNotice[],
  nowMs: number,
  keep = { ms: KEEP_SETTLED_MS, count: KEEP_SETTLED_COUNT },
): number[] {
  const newest = notices.reduce((max, notice) => Math.max(max, notice.seq), 0);
  const done = notices
    .filter((notice) => notice.seq !== newest && settled(notice))
    .sort((a, b) => b.seq - a.seq);
  return done
    .filter((notice, index) => {
      // Kept from its last delivery, or from its publishing when it had nobody to reach
      // (its key must still drop a re-publish right after a crash).
      const times = [notice.at, ...notice.deliveries.map((d) => d.doneAt ?? "")]
        .map((iso) => Date.parse(iso))
        .filter((ms) => !Number.isNaN(ms));
      return index >= keep.count || nowMs - Math.max(0, ...times) > keep.ms;
    })
    .map((notice) => notice.seq)
    .sort((a, b) => a - b);
}
