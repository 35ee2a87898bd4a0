import path from "node:path";
import { type Adapter, Low } from "lowdb";
import {
  type DurableFs,
  errorCode,
  errorMessage,
  fsyncDir,
  isTemporaryName,
  nodeFs,
  replaceBackup,
  temporaryPath,
  writeFileSynced,
} from "./durable-fs.js";
import { DurableFileError, decodeEnvelope, encodeEnvelope, type SchemaCodec } from "./envelope.js";

export type { DurableFs, DurableHandle } from "./durable-fs.js";
export { DurableFileError, type DurableFileErrorKind } from "./envelope.js";

export interface DurableJsonFileOptions<T> extends SchemaCodec<T> {
  /** The store file; its folder must exist. `<path>.bak` and temp files live beside it. */
  path: string;
  /** Told about fallbacks to the backup and cleanup of crash leftovers. */
  log?: (msg: string) => void;
  /** Defaults to `node:fs/promises`; tests inject a wrapper to observe fsyncs. */
  fs?: DurableFs;
  /**
   * Produces the file's text in pieces, written one after another with the
   * event loop free in between: a 100,000-row table serialised in one
   * JSON.stringify would stall a server for hundreds of milliseconds. Must
   * produce what encodeEnvelope would (an envelope read() accepts).
   */
  serialize?: (schemaVersion: number, data: T) => AsyncIterable<string>;
  /**
   * Re-read and validate the text before writing it (default true). Only a
   * writer whose data was validated piece by piece as it was made may skip it.
   */
  verifyOnWrite?: boolean;
  /**
   * File mode of every file written (main, temp, and so the backup, which is
   * a link to or copy of a former main file), e.g. 0o600 for a file only its
   * owner may read. Default: 0o666 less the umask. Applied at creation only.
   */
  mode?: number;
}

type Loaded<T> =
  | { kind: "ok"; value: T }
  | { kind: "missing" }
  | { kind: "damaged"; reason: string };

/**
 * What we know about the main file. Only a main file known to be good may
 * become the backup: after a fallback read, linking the corrupt main over the
 * good `.bak` would destroy the only good copy.
 */
type MainState = "unknown" | "good" | "bad" | "missing";

function stateOf(loaded: Loaded<unknown>): MainState {
  return loaded.kind === "ok" ? "good" : loaded.kind === "missing" ? "missing" : "bad";
}

/**
 * A lowdb adapter that survives a power cut at any instant. Each write:
 * temp file (same folder, unique name) → fsync it → main file becomes `.bak`
 * → rename temp over main → fsync the folder. At every step the main file or
 * `.bak` is a complete, fsynced document.
 *
 * Use exactly one instance per file (one process, one adapter): reads and
 * writes sweep temp files that are not their own as crash leftovers, so a
 * second instance could delete the first one's in-flight temp file.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  readonly path: string;
  readonly backupPath: string;
  readonly #dir: string;
  readonly #base: string;
  readonly #codec: SchemaCodec<T>;
  readonly #serialize: DurableJsonFileOptions<T>["serialize"];
  readonly #verifyOnWrite: boolean;
  readonly #mode: number | undefined;
  readonly #fs: DurableFs;
  readonly #log: (msg: string) => void;

  #mainState: MainState = "unknown";
  /** Temp names in use by a write now; the leftover sweep must not delete them. */
  readonly #live = new Set<string>();
  /** Latest data not yet written, and everyone waiting for it. Coalesces bursts. */
  #pending: {
    data: T;
    waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
  } | null = null;
  #draining = false;
  #swept = false;
  #toldCopyFallback = false;

  constructor(options: DurableJsonFileOptions<T>) {
    const { schemaVersion } = options;
    if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
      throw new TypeError(`schemaVersion must be a positive integer, got ${schemaVersion}`);
    }
    this.path = path.resolve(options.path);
    this.backupPath = `${this.path}.bak`;
    this.#dir = path.dirname(this.path);
    this.#base = path.basename(this.path);
    this.#codec = { schemaVersion, validate: options.validate, migrate: options.migrate };
    this.#serialize = options.serialize;
    this.#verifyOnWrite = options.verifyOnWrite ?? true;
    this.#mode = options.mode;
    this.#fs = options.fs ?? nodeFs;
    this.#log = options.log ?? (() => {});
  }

  /**
   * The main file, else `.bak` (logged), else null if neither exists. Throws
   * if files exist but none is usable: starting empty would lose the journal.
   */
  async read(): Promise<T | null> {
    const main = await this.#load(this.path);
    // A write in flight may have replaced the file since we loaded it; it records the state itself.
    if (!this.#draining) this.#mainState = stateOf(main);
    let result: T | null;
    if (main.kind === "ok") {
      result = main.value;
    } else {
      const backup = await this.#load(this.backupPath);
      if (backup.kind === "ok") {
        const why = main.kind === "missing" ? "is missing" : `is unusable: ${main.reason}`;
        this.#log(`${this.path} ${why}; using backup ${this.backupPath}`);
        result = backup.value;
      } else if (main.kind === "missing" && backup.kind === "missing") {
        result = null;
      } else {
        const m = main.kind === "missing" ? "missing" : main.reason;
        const b = backup.kind === "missing" ? "missing" : backup.reason;
        throw new DurableFileError(
          "unreadable",
          this.path,
          `${this.path}: no usable copy (main file: ${m}; backup ${this.backupPath}: ${b})`,
        );
      }
    }
    await this.#sweepLeftovers();
    return result;
  }

  /**
   * Resolves once `data` (or data written after it) is durably on disk.
   * Writes never overlap; a burst issued while one is in flight is written
   * once, with the latest data, and all its callers resolve together.
   */
  write(data: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending ??= { data, waiters: [] };
      this.#pending.data = data; // only the latest matters: it supersedes everything queued
      this.#pending.waiters.push({ resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        void this.#drain();
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending !== null) {
      const batch = this.#pending;
      this.#pending = null;
      try {
        await this.#writeNow(batch.data);
        for (const w of batch.waiters) w.resolve();
      } catch (error) {
        for (const w of batch.waiters) w.reject(error);
      }
    }
    this.#draining = false;
  }

  async #writeNow(data: T): Promise<void> {
    const serialize = this.#serialize;
    const text = serialize === undefined ? encodeEnvelope(this.#codec.schemaVersion, data) : null;
    // Never persist what read() would reject: it would push a good .bak out next time.
    const check = !this.#verifyOnWrite
      ? { ok: true as const }
      : decodeEnvelope(
          text ?? (await collect(serialize?.(this.#codec.schemaVersion, data))),
          this.#codec,
          this.path,
        );
    if (!check.ok) {
      throw new DurableFileError(
        "invalid-data",
        this.path,
        `${this.path}: refusing to write data that would not read back: ${check.reason}`,
      );
    }
    if (this.#mainState === "unknown") {
      // write() without read(): find out whether the main file may become the backup
      // (and refuse, via a throw, to overwrite a newer schema's file).
      this.#mainState = stateOf(await this.#load(this.path));
    }

    const temp = temporaryPath(this.path);
    const scratch = temporaryPath(this.path);
    this.#live.add(temp).add(scratch);
    try {
      await writeFileSynced(
        this.#fs,
        temp,
        text ?? (serialize as NonNullable<typeof serialize>)(this.#codec.schemaVersion, data),
        this.#mode,
      );
      if (this.#mainState === "good") {
        const how = await replaceBackup(this.#fs, this.path, this.backupPath, scratch);
        if (how === "copy" && !this.#toldCopyFallback) {
          this.#toldCopyFallback = true;
          this.#log(`${this.#dir}: hard links unsupported; backing up by copy + fsync`);
        }
      }
      await this.#fs.rename(temp, this.path);
      this.#mainState = "good";
      await fsyncDir(this.#fs, this.#dir);
    } catch (error) {
      // We no longer know which step landed; re-check the main file before the next backup.
      this.#mainState = "unknown";
      this.#swept = false;
      for (const name of [temp, scratch]) await this.#fs.unlink(name).catch(() => {});
      throw error;
    } finally {
      this.#live.delete(temp);
      this.#live.delete(scratch);
    }
    if (!this.#swept) await this.#sweepLeftovers();
  }

  async #load(file: string): Promise<Loaded<T>> {
    let text: string;
    try {
      text = await this.#fs.readFile(file, "utf8");
    } catch (error) {
      if (errorCode(error) === "ENOENT") return { kind: "missing" };
      return { kind: "damaged", reason: `cannot be read (${errorMessage(error)})` };
    }
    const decoded = decodeEnvelope(text, this.#codec, file);
    return decoded.ok
      ? { kind: "ok", value: decoded.value }
      : { kind: "damaged", reason: decoded.reason };
  }

  /**
   * Deletes temp files a crash left behind. They are never the only good copy
   * (the main file is replaced only after its temp is complete), so they are
   * pure litter; best effort, since a stale temp harms nothing but disk space.
   */
  async #sweepLeftovers(): Promise<void> {
    let entries: string[];
    try {
      entries = await this.#fs.readdir(this.#dir);
    } catch (error) {
      this.#log(`${this.#dir}: cannot list for leftover temp files: ${errorMessage(error)}`);
      return;
    }
    let failed = false;
    for (const entry of entries) {
      const full = path.join(this.#dir, entry);
      if (!isTemporaryName(this.#base, entry) || this.#live.has(full)) continue;
      try {
        await this.#fs.unlink(full);
        this.#log(`${full}: removed temp file left by an interrupted write`);
      } catch (error) {
        if (errorCode(error) === "ENOENT") continue;
        failed = true;
        this.#log(`${full}: cannot remove leftover temp file: ${errorMessage(error)}`);
      }
    }
    this.#swept = !failed;
  }
}

/**
 * Opens a lowdb database on a DurableJsonFile: reads it, and starts from a
 * copy of `defaults` when no file exists yet (nothing is written until the
 * first `db.write()`, so merely opening never creates files).
 */
export async function openDurableDb<T>(
  options: DurableJsonFileOptions<T> & { defaults: T },
): Promise<Low<T>> {
  const { defaults, ...adapterOptions } = options;
  const adapter = new DurableJsonFile<T>(adapterOptions);
  const data = await adapter.read();
  // Cloned so one caller's mutations never leak into another's defaults.
  return new Low<T>(adapter, data ?? structuredClone(defaults));
}

async function collect(pieces: AsyncIterable<string> | undefined): Promise<string> {
  let text = "";
  if (pieces !== undefined) for await (const piece of pieces) text += piece;
  return text;
}
