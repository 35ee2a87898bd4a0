import {
  compactable,
  KEEP_TASK_MAIL,
  type NewNotice,
  type NoticeOutbox,
  type OutboxNotice,
  type ReceiverId,
} from "../../notices/outbox.js";
import { errorText } from "../../setup/data-dir-error.js";
import type { PgDatabase, Queryable } from "./pg-database.js";

/**
 * NoticeOutbox over the `notices` and `notice_task_mail` tables: every read
 * is of a memory mirror loaded at open (delivery asks synchronously); every
 * change is committed before the mirror changes and the call resolves, so a
 * notice accepted survives a kill -9. Same rules as the JSON outbox
 * (store/json/json-outbox.ts): seqs follow the highest kept (the newest is
 * never compacted), a key is kept once, settled notices are compacted after
 * their keeping (outbox.ts compactable). Changes run one at a time.
 */
export class PgOutbox implements NoticeOutbox {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly notices = new Map<number, OutboxNotice>();
  private readonly keys = new Set<string>();
  private taskMails: { task: string; to: string[] }[] = [];

  private constructor(
    private readonly db: PgDatabase,
    private readonly now: () => number,
    private readonly log: (message: string) => void,
    /** Issue 14: tells the other replicas, inside the changing transaction. */
    private readonly notify: (tx: Queryable) => Promise<void>,
  ) {}

  static async open(options: {
    db: PgDatabase;
    now: () => number;
    log: (message: string) => void;
    notify?: (tx: Queryable) => Promise<void>;
  }): Promise<PgOutbox> {
    const outbox = new PgOutbox(
      options.db,
      options.now,
      options.log,
      options.notify ?? (async () => undefined),
    );
    await outbox.reload();
    await outbox.serially(() => outbox.compact());
    return outbox;
  }

  /**
   * Issue 14: reads the tables again after another replica changed them (a follower
   * added a notice the leader delivers; the leader marked deliveries done), after this
   * replica's own queued changes.
   */
  refresh(): Promise<void> {
    return this.serially(() => this.reload());
  }

  /** Reads the tables again into the mirror. */
  async reload(): Promise<void> {
    const notices = await this.db.query<{ record: OutboxNotice }>(
      "SELECT record FROM notices ORDER BY seq",
    );
    const mails = await this.db.query<{ task: string; recipients: string[] }>(
      "SELECT task, recipients FROM notice_task_mail ORDER BY position",
    );
    this.notices.clear();
    this.keys.clear();
    for (const { record } of notices.rows) {
      this.notices.set(record.seq, record);
      this.keys.add(record.key);
    }
    this.taskMails = mails.rows.map((row) => ({ task: row.task, to: row.recipients }));
  }

  add(notices: readonly NewNotice[]): Promise<OutboxNotice[]> {
    return this.serially(async () => {
      try {
        return await this.addNow(notices);
      } catch (error) {
        // Another replica took the seq (or key) meanwhile: read its notices, then once more.
        if ((error as { cause?: { code?: unknown } }).cause?.code !== "23505") throw error;
        await this.reload();
        return this.addNow(notices);
      }
    });
  }

  private async addNow(notices: readonly NewNotice[]): Promise<OutboxNotice[]> {
    {
      const added: OutboxNotice[] = [];
      const keys = new Set<string>();
      let seq = this.highestSeq();
      for (const notice of notices) {
        if (this.keys.has(notice.key) || keys.has(notice.key)) continue;
        seq += 1;
        keys.add(notice.key);
        added.push(structuredClone({ ...notice, seq }));
      }
      if (added.length === 0) return [];
      try {
        await this.db.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO notices (seq, key, record)
             SELECT (r->>'seq')::bigint, r->>'key', r FROM jsonb_array_elements($1::jsonb) AS t(r)`,
            [JSON.stringify(added)],
          );
          await this.notify(tx);
        });
      } catch (error) {
        throw new Error(
          `cannot save notices ${added.map((n) => n.key).join(", ")} (${errorText(error)}); they were not published`,
          { cause: error },
        );
      }
      for (const record of added) {
        this.notices.set(record.seq, record);
        this.keys.add(record.key);
      }
      return added.map((record) => structuredClone(record));
    }
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

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

  markDone(seq: number, receiver: ReceiverId, dropped?: string): Promise<void> {
    return this.serially(async () => {
      const notice = this.notices.get(seq);
      if (notice === undefined) return;
      const at = new Date(this.now()).toISOString();
      const updated: OutboxNotice = {
        ...notice,
        deliveries: notice.deliveries.map((delivery) =>
          delivery.receiver === receiver && delivery.doneAt === null
            ? { ...delivery, doneAt: at, dropped: dropped ?? null }
            : delivery,
        ),
      };
      await this.db.transaction(async (tx) => {
        await tx.query("UPDATE notices SET record = $2 WHERE seq = $1", [
          seq,
          JSON.stringify(updated),
        ]);
        await this.notify(tx);
      });
      this.notices.set(seq, updated);
      await this.compact();
    });
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

  rememberTaskMail(taskId: string, to: readonly string[]): Promise<void> {
    return this.serially(async () => {
      const next = [
        ...this.taskMails.filter((entry) => entry.task !== taskId),
        { task: taskId, to: [...to] },
      ];
      const dropped = next.slice(0, Math.max(0, next.length - KEEP_TASK_MAIL));
      await this.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO notice_task_mail (task, position, recipients)
           VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM notice_task_mail), $2)
           ON CONFLICT (task) DO UPDATE SET position = EXCLUDED.position, recipients = EXCLUDED.recipients`,
          [taskId, JSON.stringify(to)],
        );
        if (dropped.length > 0)
          await tx.query("DELETE FROM notice_task_mail WHERE task = ANY($1::text[])", [
            dropped.map((entry) => entry.task),
          ]);
        await this.notify(tx);
      });
      this.taskMails = next.slice(dropped.length);
    });
  }

  private highestSeq(): number {
    let highest = 0;
    for (const seq of this.notices.keys()) highest = Math.max(highest, seq);
    return highest;
  }

  /** Removes settled notices past their keeping; a failed delete waits for the next time. */
  private async compact(): Promise<void> {
    const seqs = compactable([...this.notices.values()], this.now());
    if (seqs.length === 0) return;
    try {
      await this.db.query("DELETE FROM notices WHERE seq = ANY($1::bigint[])", [seqs]);
    } catch (error) {
      this.log(`notices: cannot remove settled notices (${errorText(error)})`);
      return;
    }
    for (const seq of seqs) {
      const notice = this.notices.get(seq);
      this.notices.delete(seq);
      if (notice !== undefined) this.keys.delete(notice.key);
    }
  }

  /** One change at a time; a failed one does not fail those queued after it. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
