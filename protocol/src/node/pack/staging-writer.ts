// Writes already-validated pack entries into the staging folder.
//
// Why not tar's own Unpack (tar.x)? Its writes are asynchronous and, once aborted mid-archive,
// it still processes queued entries and never signals that its pending fs operations are done,
// so "refuse and delete the staging folder" would race with writes (a late mkdir could even
// re-create part of the deleted folder). Here every operation is synchronous and happens while
// the parser hands us the entry, so when we refuse, nothing is in flight. It also lets us use
// O_EXCL for every file and count the bytes actually written.
//
// Methods throw an Error whose message is the violated rule; the caller prefixes the entry name.

import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  writeSync,
} from "node:fs";
import { join, sep } from "node:path";

// O_EXCL: never reuse or truncate something already there (a duplicate entry, or anything a
// racing process planted). O_NOFOLLOW: belt and braces against a symlink at the final
// component; we never create symlinks, so one can only appear if someone else put it there.
const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

interface OpenFile {
  fd: number;
  declared: number;
  written: number;
}

export class StagingWriter {
  files = 0;
  bytes = 0;
  #open: OpenFile | undefined;

  /** `root` must be a folder this process has just created (so it holds no symlinks). */
  constructor(
    private readonly root: string,
    private readonly maxBytes: number,
  ) {}

  #target(segments: readonly string[]): string {
    const target = join(this.root, ...segments);
    // Defence in depth: segments are already free of "..", separators and absolute forms.
    if (target !== this.root && !target.startsWith(this.root + sep)) {
      throw new Error("path escapes the pack");
    }
    return target;
  }

  /** Parents that the archive does not list explicitly (e.g. `tar czf x.tgz bin/start`). */
  #ensureParent(segments: readonly string[]): void {
    if (segments.length <= 1) return;
    try {
      mkdirSync(this.#target(segments.slice(0, -1)), { recursive: true, mode: 0o755 });
    } catch (err) {
      // e.g. ENOTDIR: an earlier entry made a file where this path needs a folder
      throw new Error(`cannot create parent folder (${describe(err)})`);
    }
  }

  mkdir(segments: readonly string[], mode: number): void {
    // The `./` entry: the root is ours (created fresh by the extractor); a pack does not get
    // to loosen it, e.g. to 0777 so other local users could plant things during extraction.
    if (segments.length === 0) return;
    const target = this.#target(segments);
    this.#ensureParent(segments);
    try {
      mkdirSync(target, { mode });
    } catch (err) {
      // Re-listing a folder (or listing it after its contents) is fine; turning a file into a
      // folder is not.
      if (!isCode(err, "EEXIST") || !lstatSync(target).isDirectory()) {
        throw new Error(`cannot create folder (${describe(err)})`);
      }
    }
    // Explicit chmod so the pack's modes apply exactly, whatever the agent's umask.
    chmodSync(target, mode);
  }

  openFile(segments: readonly string[], mode: number, declared: number): void {
    if (segments.length === 0) throw new Error("a file cannot replace the pack root");
    this.closeFile();
    const target = this.#target(segments);
    this.#ensureParent(segments);
    let fd: number;
    try {
      fd = openSync(target, CREATE_FLAGS, 0o600);
    } catch (err) {
      const why = isCode(err, "EEXIST") ? "duplicate entry" : describe(err);
      throw new Error(`cannot create file (${why})`);
    }
    this.#open = { fd, declared, written: 0 };
    this.files += 1;
    // Created 0600 and widened only now, so the final mode is exact and no other user can
    // open the file while it is half-written.
    fchmodSync(fd, mode);
  }

  /**
   * Counts what is really written, independent of what the header declared: the total cap
   * holds even if tar's parser ever fed more bytes than a header announced.
   */
  write(chunk: Buffer): void {
    const file = this.#open;
    if (!file) throw new Error("data outside of a file entry");
    file.written += chunk.length;
    this.bytes += chunk.length;
    if (file.written > file.declared) {
      throw new Error(`entry holds more data than its header declares (${file.declared} bytes)`);
    }
    if (this.bytes > this.maxBytes) {
      throw new Error(`pack exceeds the size limit of ${this.maxBytes} bytes`);
    }
    let offset = 0;
    while (offset < chunk.length) {
      offset += writeSync(file.fd, chunk, offset, chunk.length - offset);
    }
  }

  closeFile(): void {
    const file = this.#open;
    if (!file) return;
    this.#open = undefined;
    closeSync(file.fd);
    if (file.written !== file.declared) {
      throw new Error(`entry data is truncated (${file.written} of ${file.declared} bytes)`);
    }
  }

  /** Closes any open descriptor without checks; used before the staging folder is deleted. */
  abandon(): void {
    const file = this.#open;
    this.#open = undefined;
    if (file) {
      try {
        closeSync(file.fd);
      } catch {
        // already closed or invalid: nothing more to release
      }
    }
  }
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}

function describe(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (typeof code === "string") return code;
    if (typeof message === "string") return message;
  }
  return String(err);
}
