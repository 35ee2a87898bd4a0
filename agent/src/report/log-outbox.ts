import { mkdir, open, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The durable outbox of install-log lines (issue 13): a line made while the
 * broker is unreachable, or before an agent crash, is sent later, in order,
 * and leaves the outbox only once the broker acknowledged it.
 *
 * On disk, under `<state>/logs/outbox/`: `lines-<gen>.jsonl`, append-only,
 * one encoded `log` payload per line, fsync'd before `append` resolves
 * (lines made together share one write and one fsync); and `cursor.json`,
 * `{gen, offset}`: the byte offset of the first line not yet acknowledged.
 * The cursor is written after each acknowledged batch without fsync: a crash
 * may make the agent send a few lines twice, which the coordinator keeps once
 * (dedupe on store, workstation, seq). Once everything is sent and the file
 * is large, a new generation starts and the old file goes.
 *
 * Bounded: beyond `maxLines` / `maxBytes` unsent, new lines are dropped and
 * counted; the next line that fits is preceded by a "N lines dropped" line.
 */

export interface LogOutboxLimits {
  maxLines: number;
  maxBytes: number;
}

export const LOG_OUTBOX_LIMITS: LogOutboxLimits = { maxLines: 20_000, maxBytes: 20 * 1024 * 1024 };

/** Lines sent before waiting for their acknowledgements (in order: one MQTT connection). */
const IN_FLIGHT = 32;
/** A fully sent file larger than this is replaced by a fresh one. */
const ROTATE_BYTES = 1024 * 1024;
const FILE = /^lines-(\d+)\.jsonl$/;

interface Pending {
  payload: string;
  /** Byte offset just after this line in the current file. */
  end: number;
}

interface Cursor {
  gen: number;
  offset: number;
}

export interface LogOutboxOptions {
  limits?: LogOutboxLimits;
  log: (message: string) => void;
}

export class LogOutbox {
  private readonly pending: Pending[] = [];
  private pendingBytes = 0;
  private dropped = 0;
  /** Lines waiting for the next write, with who waits for them. */
  private buffer: { payload: string; done: (error?: Error) => void }[] = [];
  private writing: Promise<void> | null = null;
  /** File operations (writes, cursor, rotation) one at a time. */
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private cursor: Cursor,
    /** Size of the current file: where the next line starts. */
    private size: number,
    private readonly limits: LogOutboxLimits,
    private readonly log: (message: string) => void,
  ) {}

  /** Opens (creating) the outbox; a torn last line (a crash mid-write) is cut off and skipped. */
  static async open(dir: string, options: LogOutboxOptions): Promise<LogOutbox> {
    await mkdir(dir, { recursive: true });
    const cursor = await readCursor(dir);
    const path = fileOf(dir, cursor.gen);
    const text = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return Buffer.alloc(0);
      throw error;
    });
    const whole = text.lastIndexOf(0x0a) + 1;
    if (whole < text.length) {
      options.log(`install-log outbox: skipped a torn last line (${text.length - whole} bytes)`);
      const handle = await open(path, "r+");
      try {
        await handle.truncate(whole);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    const outbox = new LogOutbox(
      dir,
      { gen: cursor.gen, offset: Math.min(cursor.offset, whole) },
      whole,
      options.limits ?? LOG_OUTBOX_LIMITS,
      options.log,
    );
    let at = outbox.cursor.offset;
    for (const raw of text.subarray(at, whole).toString("utf8").split("\n").slice(0, -1)) {
      at += Buffer.byteLength(raw) + 1;
      if (!isJson(raw)) {
        options.log("install-log outbox: skipped an unreadable line");
        continue;
      }
      outbox.pending.push({ payload: raw, end: at });
      outbox.pendingBytes += Buffer.byteLength(raw) + 1;
    }
    await outbox.removeOldFiles();
    return outbox;
  }

  /** Unsent lines (written or being written). */
  get unsent(): number {
    return this.pending.length + this.buffer.length;
  }

  /**
   * Keeps one encoded `log` payload (one line of JSON); resolves once it is
   * on disk. Over the limits the line is dropped and counted instead; the
   * next line that fits is preceded by `droppedLine(count)`.
   */
  append(payload: string, droppedLine: (count: number) => string): Promise<void> {
    const bytes = Buffer.byteLength(payload) + 1;
    const room = (lines: number, more: number) =>
      this.unsent + lines <= this.limits.maxLines &&
      this.pendingBytes + this.bufferedBytes() + more <= this.limits.maxBytes;
    if (this.dropped > 0) {
      const note = droppedLine(this.dropped);
      if (!room(2, bytes + Buffer.byteLength(note) + 1)) {
        this.dropped += 1;
        return Promise.resolve();
      }
      this.log(`install-log outbox: ${this.dropped} line(s) dropped while it was full`);
      this.dropped = 0;
      void this.enqueue(note).catch(() => undefined);
    } else if (!room(1, bytes)) {
      if (this.dropped === 0) this.log("install-log outbox full: dropping new lines until sent");
      this.dropped += 1;
      return Promise.resolve();
    }
    return this.enqueue(payload);
  }

  private bufferedBytes(): number {
    let bytes = 0;
    for (const entry of this.buffer) bytes += Buffer.byteLength(entry.payload) + 1;
    return bytes;
  }

  private enqueue(payload: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.buffer.push({ payload, done: (error) => (error ? reject(error) : resolve()) });
      if (this.writing === null) this.writing = this.writeLoop();
    });
  }

  private async writeLoop(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0);
      try {
        await this.serial(() => this.write(batch.map((entry) => entry.payload)));
        for (const entry of batch) entry.done();
      } catch (error) {
        for (const entry of batch) entry.done(error as Error);
      }
    }
    this.writing = null;
  }

  private async write(payloads: string[]): Promise<void> {
    const text = payloads.map((payload) => `${payload}\n`).join("");
    const handle = await open(fileOf(this.dir, this.cursor.gen), "a", 0o600);
    try {
      await handle.write(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    for (const payload of payloads) {
      const bytes = Buffer.byteLength(payload) + 1;
      this.size += bytes;
      this.pending.push({ payload, end: this.size });
      this.pendingBytes += bytes;
    }
  }

  /**
   * Sends the kept lines, oldest first, IN_FLIGHT at a time; each leaves the
   * outbox once acknowledged. Stops at the first failure (the link dropped:
   * the next connect sends from there) or when `yieldTo()` says something
   * else must go first (a status report). Answers whether all were sent.
   */
  async drain(send: (payload: string) => Promise<void>, yieldTo: () => boolean): Promise<boolean> {
    while (this.pending.length > 0) {
      if (yieldTo()) return false;
      const batch = this.pending.slice(0, IN_FLIGHT);
      const results = await Promise.allSettled(batch.map((entry) => send(entry.payload)));
      let acked = 0;
      while (acked < results.length && results[acked]?.status === "fulfilled") acked += 1;
      const last = batch[acked - 1];
      if (last !== undefined) {
        // Only lines still at the head (a rotation cannot run while lines are pending).
        const sent = this.pending.splice(0, acked);
        for (const entry of sent) this.pendingBytes -= Buffer.byteLength(entry.payload) + 1;
        await this.serial(() => this.saveCursor({ gen: this.cursor.gen, offset: last.end }));
      }
      if (acked < results.length) return false;
    }
    if (this.size > ROTATE_BYTES) await this.serial(() => this.rotate());
    return true;
  }

  /** Everything sent: a fresh, empty file takes over; the old one goes. */
  private async rotate(): Promise<void> {
    if (this.pending.length > 0 || this.buffer.length > 0 || this.size <= ROTATE_BYTES) return;
    const old = this.cursor.gen;
    await writeFile(fileOf(this.dir, old + 1), "", { mode: 0o600 });
    await this.saveCursor({ gen: old + 1, offset: 0 });
    this.size = 0;
    await unlink(fileOf(this.dir, old)).catch(() => undefined);
  }

  private async saveCursor(cursor: Cursor): Promise<void> {
    const temp = join(this.dir, "cursor.json.tmp");
    await writeFile(temp, JSON.stringify(cursor));
    await rename(temp, join(this.dir, "cursor.json"));
    this.cursor = cursor;
  }

  /** Files of generations before the current one (a crash during a rotation). */
  private async removeOldFiles(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      const match = FILE.exec(name);
      if (match !== null && Number(match[1]) < this.cursor.gen)
        await unlink(join(this.dir, name)).catch(() => undefined);
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every line appended so far is on disk (or failed to be). */
  async flushed(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }
}

function fileOf(dir: string, gen: number): string {
  return join(dir, `lines-${gen}.jsonl`);
}

async function readCursor(dir: string): Promise<Cursor> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, "cursor.json"), "utf8")) as Partial<Cursor>;
    if (
      Number.isInteger(parsed.gen) &&
      Number.isInteger(parsed.offset) &&
      (parsed.gen as number) >= 0 &&
      (parsed.offset as number) >= 0
    )
      return { gen: parsed.gen as number, offset: parsed.offset as number };
  } catch {
    // none yet, or unreadable: start from the oldest file there is
  }
  const gens = (await readdir(dir))
    .map((name) => FILE.exec(name)?.[1])
    .filter((gen): gen is string => gen !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  return { gen: gens[0] ?? 0, offset: 0 };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
