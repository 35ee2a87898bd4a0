import { copyFile, mkdir, open, rename, stat, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { LineSplitter } from "./line-splitter.js";
import type { LineListener, OutputStream } from "./run-command.js";

/**
 * A supervised service writes its stdout and stderr to files, not to pipes
 * the agent holds: when the agent exits (a restart, its own update, a crash)
 * the service neither dies of SIGPIPE nor blocks on a full pipe, and the next
 * agent run picks up its output from the same files.
 *
 * The agent follows the files by polling and passes each new line on; when a
 * file has grown past its bound it is copied to `<file>.1` and truncated
 * (copy-truncate: the service keeps its append-mode descriptor). Lines written
 * between the copy and the truncation are lost; the bound holds only while an
 * agent runs (a service alone may grow its file until the agent is back).
 */
export interface ServiceOutputFiles {
  stdout: string;
  stderr: string;
  /** A file past this size is rotated; 5 MiB by default. */
  maxBytes?: number;
}

export const DEFAULT_OUTPUT_MAX_BYTES = 5 * 1024 * 1024;
const POLL_MS = 200;
/** Read at most this much per poll, so a chatty service cannot stall the agent. */
const MAX_READ_BYTES = 1024 * 1024;

/** Opens both files for appending; the descriptors go to the child, the caller closes its copies. */
export async function openOutputFiles(files: ServiceOutputFiles) {
  await mkdir(dirname(files.stdout), { recursive: true });
  await mkdir(dirname(files.stderr), { recursive: true });
  const stdout = await open(files.stdout, "a", 0o640);
  try {
    const stderr = await open(files.stderr, "a", 0o640);
    return { stdout, stderr };
  } catch (error) {
    await stdout.close();
    throw error;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * Whether a poll of a followed file has work: bytes past what was read, a
 * file shorter than that (truncated meanwhile), or a file past its bound
 * (to rotate). Otherwise the poll stops at one stat: opening, stat-ing and
 * closing a FileHandle for every file five times a second was most of an
 * idle agent's CPU (test/bench/README.md, footprint).
 */
export function tailHasWork(size: number, offset: number, maxBytes: number): boolean {
  return size !== offset || size > maxBytes;
}

/** Follows one output file from its current end, line by line. */
export class FileTail {
  #path: string;
  readonly #stream: OutputStream;
  readonly #onLine: LineListener | undefined;
  readonly #maxBytes: number;
  readonly #decoder = new StringDecoder("utf8");
  readonly #splitter: LineSplitter;
  #offset = 0;
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> = Promise.resolve();
  #stopped = false;

  private constructor(
    path: string,
    stream: OutputStream,
    onLine?: LineListener,
    maxBytes?: number,
  ) {
    this.#path = path;
    this.#stream = stream;
    this.#onLine = onLine;
    this.#maxBytes = maxBytes ?? DEFAULT_OUTPUT_MAX_BYTES;
    this.#splitter = new LineSplitter((line) => this.#onLine?.(line, this.#stream));
  }

  /** Starts following `path` from its present end (earlier output is not repeated). */
  static async follow(
    path: string,
    stream: OutputStream,
    onLine?: LineListener,
    maxBytes?: number,
  ): Promise<FileTail> {
    const tail = new FileTail(path, stream, onLine, maxBytes);
    tail.#offset = await sizeOf(path);
    tail.#schedule();
    return tail;
  }

  /** The file was renamed (same file, new name): follow it there. */
  moveTo(path: string): void {
    this.#path = path;
  }

  /** Reads what is left, delivers a last partial line, and stops following. */
  async stop(): Promise<void> {
    if (this.#stopped) return this.#reading;
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#reading;
    await this.#read();
    this.#splitter.push(this.#decoder.end());
    this.#splitter.flush();
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#reading = this.#read().then(() => {
        if (!this.#stopped) this.#schedule();
      });
    }, POLL_MS);
    // Following output must never keep the agent's process alive by itself.
    this.#timer.unref();
  }

  async #read(): Promise<void> {
    try {
      const polled = await stat(this.#path);
      if (!tailHasWork(polled.size, this.#offset, this.#maxBytes)) return;
      const handle = await open(this.#path, "r");
      try {
        const { size } = await handle.stat();
        // Smaller than what was read: truncated (rotated) meanwhile; start over.
        if (size < this.#offset) this.#offset = 0;
        const length = Math.min(size - this.#offset, MAX_READ_BYTES);
        if (length > 0) {
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, this.#offset);
          this.#offset += bytesRead;
          this.#splitter.push(this.#decoder.write(buffer.subarray(0, bytesRead)));
        }
        if (this.#offset >= size && size > this.#maxBytes) await this.#rotate();
      } finally {
        await handle.close();
      }
    } catch {
      // Missing or unreadable (removed by hand): try again at the next poll.
    }
  }

  async #rotate(): Promise<void> {
    await copyFile(this.#path, `${this.#path}.1`);
    await truncate(this.#path, 0);
    this.#offset = 0;
  }
}

/** Renames an instance's output files to `to`; the previous files at `to` become the `.1` copies. */
export async function moveOutputFiles(from: ServiceOutputFiles, to: ServiceOutputFiles) {
  for (const stream of ["stdout", "stderr"] as const) {
    if (from[stream] === to[stream]) continue;
    await rename(to[stream], `${to[stream]}.1`).catch(() => {});
    await rename(from[stream], to[stream]).catch(() => {});
  }
}
