import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeFileDurably } from "../../files/durable-file.js";
import { NOTICE_EVENTS } from "../../notices/notice-model.js";
import {
  compactable,
  KEEP_TASK_MAIL,
  type NewNotice,
  type NoticeOutbox,
  type OutboxNotice,
  type ReceiverId,
} from "../../notices/outbox.js";
import { DataDirError, errorText } from "../../setup/data-dir-error.js";
import { decodeDataFile, openRecordFolder, readDataFile } from "./data-files.js";

const NOTICE_FILE = /^([1-9][0-9]*)\.json$/;
const TEMP_FILE = /\.json\.tmp-[0-9a-f]+$/;
const TASK_MAIL_FILE = "task-mail.json";

const noticeSchema = z.object({
  seq: z.number().int().min(1),
  id: z.string().min(1),
  key: z.string().min(1),
  event: z.enum(NOTICE_EVENTS),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
  deliveries: z.array(
    z.object({
      receiver: z.string(),
      to: z.array(z.string()).nullable(),
      doneAt: z.string().nullable(),
      dropped: z.string().nullable(),
    }),
  ),
});
const noticeFileSchema = z.object({ schemaVersion: z.literal(1), notice: noticeSchema });
const taskMailSchema = z.object({
  schemaVersion: z.literal(1),
  /** Oldest first: the order they are dropped in past KEEP_TASK_MAIL. */
  tasks: z.array(z.object({ task: z.string(), to: z.array(z.string()) })),
});

/**
 * NoticeOutbox over `DATA/notices/<seq>.json` (one file per notice, mode
 * 600: the data names operators and stores) and `DATA/notices/task-mail.json`.
 * A notice's file is created whole before `add` answers and replaced whole
 * when a delivery is done (temp file, fsync, rename, fsync of the folder),
 * so a crash leaves either the old or the new record. All notices kept are
 * in memory too (pending ones plus at most KEEP_SETTLED_COUNT settled ones).
 * Changes run one at a time.
 */
export class JsonOutbox implements NoticeOutbox {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly keys = new Set<string>();

  private constructor(
    private readonly dir: string,
    private readonly notices: Map<number, OutboxNotice>,
    private taskMails: { task: string; to: string[] }[],
    private readonly now: () => number,
    private readonly log: (message: string) => void,
  ) {
    for (const notice of notices.values()) this.keys.add(notice.key);
  }

  /** Reads the outbox; a file that cannot be used stops the start, naming it. */
  static async open(options: {
    dataDir: string;
    now: () => number;
    log: (message: string) => void;
  }): Promise<JsonOutbox> {
    const dir = join(options.dataDir, "notices");
    const names = await openRecordFolder(dir);
    const notices = new Map<number, OutboxNotice>();
    for (const name of names) {
      const path = join(dir, name);
      if (TEMP_FILE.test(name)) {
        // A write cut short: the record it was replacing is still whole under its own name.
        await unlink(path).catch(() => undefined);
        continue;
      }
      const seq = NOTICE_FILE.exec(name)?.[1];
      if (seq === undefined) continue;
      const notice = decodeDataFile(
        noticeFileSchema,
        (await readDataFile(path)) ?? "",
        path,
        "notice record",
      ).notice;
      if (notice.seq !== Number(seq))
        throw new DataDirError(`${path} holds notice ${notice.seq}; restore it from your backup`);
      notices.set(notice.seq, notice);
    }
    const mailPath = join(dir, TASK_MAIL_FILE);
    const mailText = await readDataFile(mailPath);
    const taskMails =
      mailText === null
        ? []
        : decodeDataFile(taskMailSchema, mailText, mailPath, "notice record").tasks;
    const outbox = new JsonOutbox(dir, notices, taskMails, options.now, options.log);
    await outbox.serially(() => outbox.compact());
    return outbox;
  }

  add(notices: readonly NewNotice[]): Promise<OutboxNotice[]> {
    return this.serially(async () => {
      const added: OutboxNotice[] = [];
      for (const notice of notices) {
        if (this.keys.has(notice.key)) continue;
        const seq = this.nextSeq();
        const record: OutboxNotice = structuredClone({ ...notice, seq });
        try {
          // "create": a seq's file is never overwritten by another notice.
          await writeFileDurably(this.pathOf(seq), encode(record), {
            mode: 0o600,
            existing: "create",
          });
        } catch (error) {
          throw new Error(
            `cannot save notice ${notice.key} in ${this.dir} (${errorText(error)}); it was not published`,
          );
        }
        this.notices.set(seq, record);
        this.keys.add(record.key);
        added.push(structuredClone(record));
      }
      return added;
    });
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
      await writeFileDurably(this.pathOf(seq), encode(updated), {
        mode: 0o600,
        existing: "replace",
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
      ].slice(-KEEP_TASK_MAIL);
      await writeFileDurably(
        join(this.dir, TASK_MAIL_FILE),
        `${JSON.stringify({ schemaVersion: 1, tasks: next })}\n`,
        { mode: 0o600, existing: "replace" },
      );
      this.taskMails = next;
    });
  }

  private nextSeq(): number {
    let highest = 0;
    for (const seq of this.notices.keys()) highest = Math.max(highest, seq);
    return highest + 1;
  }

  /** Removes settled notices past their keeping (outbox.ts compactable); a failed unlink waits for the next time. */
  private async compact(): Promise<void> {
    for (const seq of compactable([...this.notices.values()], this.now())) {
      const notice = this.notices.get(seq);
      try {
        await unlink(this.pathOf(seq));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
          this.log(`notices: cannot remove ${this.pathOf(seq)} (${errorText(error)})`);
          continue;
        }
      }
      this.notices.delete(seq);
      if (notice !== undefined) this.keys.delete(notice.key);
    }
  }

  private pathOf(seq: number): string {
    return join(this.dir, `${seq}.json`);
  }

  /** One change at a time; a failed one does not fail those queued after it. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function encode(notice: OutboxNotice): string {
  return `${JSON.stringify({ schemaVersion: 1, notice })}\n`;
}
