import {
  compactable,
  KEEP_TASK_MAIL,
  type NewNotice,
  type OutboxNotice,
  type ReceiverId,
} from "./outbox.js";

/** The mail addresses a task's planning mail went to, as an outbox keeps them. */
export interface TaskMail {
  readonly task: string;
  readonly to: readonly string[];
}

/**
 * The in-memory copy of a NoticeOutbox's records that every outbox store
 * (JSON files, PostgreSQL tables) keeps: delivery asks synchronously (head,
 * pendingReceivers, has), so the reads are answered here, and the changes
 * are worked out here (`plan…`) before the store makes them durable and
 * only then applies them (`put`, `remove`, `setTaskMails`): the mirror never
 * holds what storage does not. Reads hand out copies.
 */
export class OutboxMirror {
  private readonly notices = new Map<number, OutboxNotice>();
  private readonly keys = new Set<string>();
  private taskMails: readonly TaskMail[] = [];

  constructor(notices: Iterable<OutboxNotice> = [], taskMails: readonly TaskMail[] = []) {
    this.replace(notices, taskMails);
  }

  /** Forgets everything held and holds these (a reload from storage). */
  replace(notices: Iterable<OutboxNotice>, taskMails: readonly TaskMail[]): void {
    this.notices.clear();
    this.keys.clear();
    for (const notice of notices) this.put(notice);
    this.taskMails = taskMails;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** The receiver's pending delivery of the lowest seq, if any. */
  head(receiver: ReceiverId): OutboxNotice | undefined {
    let best: OutboxNotice | undefined;
    for (const notice of this.notices.values()) {
      if (best !== undefined && notice.seq > best.seq) continue;
      if (notice.deliveries.some((d) => d.receiver === receiver && d.doneAt === null))
        best = notice;
    }
    return best === undefined ? undefined : structuredClone(best);
  }

  pendingReceivers(): ReceiverId[] {
    const receivers = new Set<ReceiverId>();
    for (const notice of this.notices.values())
      for (const delivery of notice.deliveries)
        if (delivery.doneAt === null) receivers.add(delivery.receiver);
    return [...receivers].sort();
  }

  list(): OutboxNotice[] {
    return [...this.notices.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((notice) => structuredClone(notice));
  }

  taskMail(taskId: string): readonly string[] | undefined {
    const entry = this.taskMails.find((candidate) => candidate.task === taskId);
    return entry === undefined ? undefined : [...entry.to];
  }

  /**
   * The records `add` stores: the notices whose key is not kept yet (and not
   * earlier in the batch), in order, with the seqs after the highest kept
   * (the newest is never compacted, so a seq is never handed out twice).
   */
  planAdd(notices: readonly NewNotice[]): OutboxNotice[] {
    const added: OutboxNotice[] = [];
    const keys = new Set<string>();
    let seq = 0;
    for (const kept of this.notices.keys()) seq = Math.max(seq, kept);
    for (const notice of notices) {
      if (this.keys.has(notice.key) || keys.has(notice.key)) continue;
      seq += 1;
      keys.add(notice.key);
      added.push(structuredClone({ ...notice, seq }));
    }
    return added;
  }

  /** Notice `seq` with the receiver's pending delivery done at `at`; undefined when not kept. */
  planDone(
    seq: number,
    receiver: ReceiverId,
    at: string,
    dropped: string | undefined,
  ): OutboxNotice | undefined {
    const notice = this.notices.get(seq);
    if (notice === undefined) return undefined;
    return {
      ...notice,
      deliveries: notice.deliveries.map((delivery) =>
        delivery.receiver === receiver && delivery.doneAt === null
          ? { ...delivery, doneAt: at, dropped: dropped ?? null }
          : delivery,
      ),
    };
  }

  /** The task mails after remembering this one: newest last, at most KEEP_TASK_MAIL. */
  planTaskMail(taskId: string, to: readonly string[]): { next: TaskMail[]; dropped: TaskMail[] } {
    const all = [
      ...this.taskMails.filter((entry) => entry.task !== taskId),
      { task: taskId, to: [...to] },
    ];
    const cut = Math.max(0, all.length - KEEP_TASK_MAIL);
    return { next: all.slice(cut), dropped: all.slice(0, cut) };
  }

  /** The seqs of settled notices past their keeping (outbox.ts compactable). */
  compactable(nowMs: number): number[] {
    return compactable([...this.notices.values()], nowMs);
  }

  /** Holds a record once it is durable (added, or replaced by a newer version). */
  put(record: OutboxNotice): void {
    this.notices.set(record.seq, record);
    this.keys.add(record.key);
  }

  /** Forgets a record once storage has removed it. */
  remove(seq: number): void {
    const notice = this.notices.get(seq);
    this.notices.delete(seq);
    if (notice !== undefined) this.keys.delete(notice.key);
  }

  setTaskMails(next: readonly TaskMail[]): void {
    this.taskMails = next;
  }
}
