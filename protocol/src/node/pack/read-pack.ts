// Reads a function pack (.tgz) entry by entry under the pack rules: the one reader behind the
// agent's extraction (safe-extract.ts) and the coordinator's check at publish, so both refuse
// the same packs in the same words.
//
// Pipeline: file -> our gunzip (so the *decompressed* stream is what we count) -> tar.Parser
// (strict: every tar warning is an error) -> per-entry rules (entry-rules.ts) at header time
// -> the caller's visitor (where a checked entry goes, what its data does).

import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { Parser, ReadEntry } from "tar";
import {
  checkEntryMode,
  checkEntrySize,
  checkEntryType,
  entryLabel,
  type PackEntryKind,
  splitPackPath,
} from "./entry-rules.js";
import { decompressedCap, type ExtractLimits } from "./pack-limits.js";

// Long paths and pax records are small; tar's default (1 MiB) would be buffered in memory.
const MAX_META_ENTRY = 64 * 1024;

/** An entry that passed every header-time rule. */
export interface CheckedEntry {
  label: string;
  kind: PackEntryKind;
  segments: string[];
  mode: number;
  size: number;
}

export interface PackVisitor {
  /** A further header-time rule (where the entry goes); a reason refuses the pack. */
  place(entry: CheckedEntry): string | null;
  /**
   * The entry's data: attach listeners, then resume it. `fail` refuses the pack; after a
   * failure `failed()` is true and nothing more should be done.
   */
  consume(
    entry: ReadEntry,
    checked: CheckedEntry,
    fail: (reason: string) => void,
    failed: () => boolean,
  ): void;
  /** Called once on the first failure, before parsing stops (e.g. close an open file). */
  abandon?(): void;
}

/**
 * Reads `archivePath` once, checking every entry at header time and handing the admitted
 * ones to `visitor`; resolves with the first reason the pack is refused, or undefined.
 * Never throws for bad input.
 */
export async function readPackArchive(
  archivePath: string,
  limits: ExtractLimits,
  visitor: PackVisitor,
): Promise<string | undefined> {
  const admitted = new Map<ReadEntry, CheckedEntry>();
  let failure: string | undefined;
  let entries = 0;
  let declared = 0;
  let sawEof = false;
  let finished = () => {};
  const settled = new Promise<void>((resolve) => {
    finished = resolve;
  });

  const fail = (reason: string): void => {
    if (failure !== undefined) return;
    failure = reason;
    visitor.abandon?.();
    parser.abort(new Error(reason)); // stops parsing the current chunk right away
    finished();
  };
  const failed = () => failure !== undefined;

  const admit = (entry: ReadEntry): boolean => {
    if (failure !== undefined) return false;
    const label = entryLabel(entry.path);
    const reject = (rule: string): false => {
      fail(`${label}: ${rule}`);
      return false;
    };
    entries += 1;
    if (entries > limits.maxEntries)
      return reject(`pack exceeds the entry limit of ${limits.maxEntries}`);
    // Judge both the raw header path and tar's pax-resolved one: either could be the lie.
    const raw = splitPackPath(entry.header.path ?? "");
    const path = splitPackPath(entry.path);
    if (!raw.ok) return reject(raw.rule);
    if (!path.ok) return reject(path.rule);
    const kind = checkEntryType(entry.type, entry.header.type);
    if (!kind.ok) return reject(kind.rule);
    if (entry.linkpath) return reject("link target on an entry that is not a link");
    const size = checkEntrySize(entry.size, kind.value);
    if (!size.ok) return reject(size.rule);
    declared += size.value;
    if (declared > limits.maxBytes) {
      return reject(
        `pack exceeds the size limit of ${limits.maxBytes} bytes (${declared} declared so far)`,
      );
    }
    const mode = checkEntryMode(entry.mode, kind.value);
    if (!mode.ok) return reject(mode.rule);
    if (kind.value === "file" && path.value.length === 0)
      return reject("a file cannot replace the pack root");
    const checked: CheckedEntry = {
      label,
      kind: kind.value,
      segments: path.value,
      mode: mode.value,
      size: size.value,
    };
    const placed = visitor.place(checked);
    if (placed !== null) return reject(placed);
    admitted.set(entry, checked);
    return true;
  };

  const onEntry = (entry: ReadEntry): void => {
    const checked = admitted.get(entry);
    admitted.delete(entry);
    if (failure !== undefined || checked === undefined) return void entry.resume();
    visitor.consume(entry, checked, fail, failed);
  };

  const parser = new Parser({
    strict: true, // tar's warnings (bad checksum, truncation, odd headers…) become errors
    brotli: false, // only gzip is a pack format; no guessing other decompressors
    zstd: false,
    maxMetaEntrySize: MAX_META_ENTRY,
    filter: (_path, entry) => entry instanceof ReadEntry && admit(entry),
    onwarn: (_code, message, data) => fail(tarProblem(message, data)),
  });
  parser.on("error", (err: Error) => fail(tarProblem(err.message, err)));
  // tar skips unknown entry types (sparse, ACL, volume headers…) and oversized metadata
  // *without* asking the filter; they are refused too rather than silently dropped.
  parser.on("ignoredEntry", (entry: ReadEntry) =>
    fail(
      `${entryLabel(entry.path)}: ${entry.meta ? "metadata record too large" : `entry type ${JSON.stringify(entry.type)} is not allowed`}`,
    ),
  );
  parser.on("entry", onEntry);
  parser.on("eof", () => {
    sawEof = true;
  });
  parser.on("end", () => finished());

  const cap = decompressedCap(limits);
  let seen = 0;
  let head: Buffer | undefined = Buffer.alloc(0);
  const input = pipeline(createReadStream(archivePath), createGunzip(), () => {});
  try {
    for await (const data of input as AsyncIterable<Buffer>) {
      seen += data.length;
      if (seen > cap) {
        fail(`archive: decompressed data exceeds ${cap} bytes (gzip bomb or over the limits)`);
        break;
      }
      let chunk = data;
      if (head !== undefined) {
        // tar.Parser would transparently gunzip a second time; a .tgz inside the .tgz would
        // then escape our decompressed-byte count.
        head = Buffer.concat([head, data]);
        if (head.length < 2) continue;
        if (head[0] === 0x1f && head[1] === 0x8b) {
          fail("archive: nested compression is not allowed");
          break;
        }
        chunk = head;
        head = undefined;
      }
      // After the end-of-archive marker tar only buffers; keep reading so gzip's CRC is checked.
      if (!sawEof) parser.write(chunk); // entries are consumed synchronously, so never backed up
      if (failure !== undefined) break;
    }
  } catch (err) {
    fail(gzipProblem(err));
  } finally {
    input.destroy();
  }
  if (failure === undefined) {
    if (head !== undefined) parser.write(head);
    parser.end();
  }
  await settled;
  if (failure === undefined && !sawEof)
    failure = "archive: end-of-archive marker missing (truncated tar)";
  return failure;
}

/**
 * tar attaches the offending `entry` or `header` to its warnings; name it when it has a path.
 * A header that failed its checksum is noise (often file data read as a header), not a name.
 */
function tarProblem(message: string, data: object): string {
  type Named = { path?: unknown; cksumValid?: unknown };
  const { entry, header } = data as { entry?: Named; header?: Named };
  const path = entry?.path ?? (header?.cksumValid === true ? header.path : undefined);
  const where = typeof path === "string" && path !== "" ? entryLabel(path) : "archive";
  return `${where}: invalid tar data (${message})`;
}

function gzipProblem(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "Z_BUF_ERROR") return `archive: truncated gzip data (${describeError(err, true)})`;
  if (code === "Z_DATA_ERROR") return `archive: not valid gzip data (${describeError(err, true)})`;
  return `archive: cannot read (${describeError(err)})`;
}

/** An error's code (or, preferring it, its message) as a short phrase for a refusal. */
export function describeError(err: unknown, preferMessage = false): string {
  if (typeof err === "object" && err !== null) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (!preferMessage && typeof code === "string") return code;
    if (typeof message === "string") return message;
  }
  return String(err);
}
