import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeFileDurably } from "../../files/durable-file.js";
import { NOTICE_EVENTS } from "../../notices/notice-model.js";
import type { NewNotice, NoticeOutbox, OutboxNotice, ReceiverId } from "../../notices/outbox.js";
import { OutboxMirror, type TaskMail } from "../../notices/outbox-mirror.js";
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
 * in memory too (pending ones plus at most KEEP_SETTLED_COUNT settled ones;
 * OutboxMirror, shared with the PostgreSQL outbox).
 * Changes run one at a time.
 */
export class JsonOutbox implements NoticeOutbox {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly mirror: OutboxMirror;

  private constructor(
    private readonly dir: string,
    notices: Iterable<OutboxNotice>,
    taskMails: readonly TaskMail[],
    private readonly now: () => number,
    private readonly log: (message: string) => void,
  ) {
    this.mirror = new OutboxMirror(notices, taskMails);
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
    const outbox = new JsonOutbox(dir, notices.values(), taskMails, options.now, options.log);
    await outbox.serially(() => outbox.compact());
    return outbox;
  }

  add(notices: readonly NewNotice[]): Promise<OutboxNotice[]> {
    return this.serially(async () => {
      const added: OutboxNotice[] = [];
      for (const record of this.mirror.planAdd(notices)) {
        const { seq } = record;
        try {
          // "create": a seq's file is never overwritten by another notice.
          await writeFileDurably(this.pathOf(seq), encode(record), {
            mode: 0o600,
            existing: "create",
          });
        } catch (error) {
          throw new Error(
            `cannot save notice ${record.key} in ${this.dir} (${errorText(error)}); it was not published`,
          );
        }
        this.mirror.put(record);
        added.push(structuredClone(record));
      }
      return added;
    });
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
      await writeFileDurably(this.pathOf(seq), encode(updated), {
        mode: 0o600,
        existing: "replace",
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
      const { next } = this.mirror.planTaskMail(taskId, to);
      await writeFileDurably(
        join(this.dir, TASK_MAIL_FILE),
        `${JSON.stringify({ schemaVersion: 1, tasks: next })}\n`,
        { mode: 0o600, existing: "replace" },
      );
      this.mirror.setTaskMails(next);
    });
  }

  /** Removes settled notices past their keeping (outbox.ts compactable); a failed unlink waits for the next time. */
  private async compact(): Promise<void> {
    for (const seq of this.mirror.compactable(this.now())) {
      try {
        await unlink(this.pathOf(seq));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
          this.log(`notices: cannot remove ${this.pathOf(seq)} (${errorText(error)})`);
          continue;
        }
      }
      this.mirror.remove(seq);
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
