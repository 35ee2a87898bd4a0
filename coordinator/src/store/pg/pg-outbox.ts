import type { NewNotice, NoticeOutbox, OutboxNotice, ReceiverId } from "../../notices/outbox.js";
import { OutboxMirror } from "../../notices/outbox-mirror.js";
import { errorText } from "../../setup/data-dir-error.js";
import type { PgDatabase, Queryable } from "./pg-database.js";

/**
 * NoticeOutbox over the `notices` and `notice_task_mail` tables: every read
 * is of a memory mirror loaded at open (OutboxMirror, shared with the JSON
 * outbox: delivery asks synchronously); every
 * change is committed before the mirror changes and the call resolves, so a
 * notice accepted survives a kill -9. Same rules as the JSON outbox
 * (store/json/json-outbox.ts): seqs follow the highest kept (the newest is
 * never compacted), a key is kept once, settled notices are compacted after
 * their keeping (outbox.ts compactable). Changes run one at a time.
 */
export class PgOutbox implements NoticeOutbox {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly mirror = new OutboxMirror();

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
    this.mirror.replace(
      notices.rows.map((row) => row.record),
      mails.rows.map((row) => ({ task: row.task, to: row.recipients })),
    );
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
      const added = this.mirror.planAdd(notices);
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
      for (const record of added) this.mirror.put(record);
      return added.map((record) => structuredClone(record));
    }
  }

  has(key: string): boolean {
    return this.mirror.has(key);
  }

  head(receiver: ReceiverId): OutboxNotice | undefined {
    return this.mirror.head(receiver);
  }

  pendingReceivers(): ReceiverId[] {
    return this.mirror.pendingReceivers();
  }

  markDone(seq: number, receiver: ReceiverId, dropped?: string): Promise<void> {
    return this.serially(async () => {
      const at = new Date(this.now()).toISOString();
      const updated = this.mirror.planDone(seq, receiver, at, dropped);
      if (updated === undefined) return;
      await this.db.transaction(async (tx) => {
        await tx.query("UPDATE notices SET record = $2 WHERE seq = $1", [
          seq,
          JSON.stringify(updated),
        ]);
        await this.notify(tx);
      });
      this.mirror.put(updated);
      await this.compact();
    });
  }

  list(): OutboxNotice[] {
    return this.mirror.list();
  }

  taskMail(taskId: string): readonly string[] | undefined {
    return this.mirror.taskMail(taskId);
  }

  rememberTaskMail(taskId: string, to: readonly string[]): Promise<void> {
    return this.serially(async () => {
      const { next, dropped } = this.mirror.planTaskMail(taskId, to);
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
      this.mirror.setTaskMails(next);
    });
  }

  /** Removes settled notices past their keeping; a failed delete waits for the next time. */
  private async compact(): Promise<void> {
    const seqs = this.mirror.compactable(this.now());
    if (seqs.length === 0) return;
    try {
      await this.db.query("DELETE FROM notices WHERE seq = ANY($1::bigint[])", [seqs]);
    } catch (error) {
      this.log(`notices: cannot remove settled notices (${errorText(error)})`);
      return;
    }
    for (const seq of seqs) this.mirror.remove(seq);
  }

  /** One change at a time; a failed one does not fail those queued after it. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
