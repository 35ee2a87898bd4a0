// Extracts a function pack (.tgz) into a fresh staging folder, or refuses the whole pack.
//
// Threat model: the pack may be hostile or broken. Whatever it contains, nothing may be
// written outside the staging folder, nothing but regular files and folders may be created,
// and resource use is bounded by the caller's limits. Any violation removes the staging
// folder and returns `{ ok: false, reason }`; bad input never throws.
//
// Pipeline: file -> our gunzip (so the *decompressed* stream is what we count) -> tar.Parser
// (strict: every tar warning is an error) -> per-entry rules (entry-rules.ts) at header time
// -> StagingWriter (synchronous, so a refusal leaves no write in flight).

import { createReadStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { resolve } from "node:path";
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
import { decompressedCap, type ExtractLimits, type ExtractResult } from "./pack-limits.js";
import { StagingWriter } from "./staging-writer.js";

export type { ExtractLimits, ExtractResult } from "./pack-limits.js";

// Long paths and pax records are small; tar's default (1 MiB) would be buffered in memory.
const MAX_META_ENTRY = 64 * 1024;

export async function extractPackSafely(
  archivePath: string,
  stagingDir: string,
  limits: ExtractLimits,
): Promise<ExtractResult> {
  const refuse = (reason: string): ExtractResult => ({ ok: false, reason });
  const validLimit = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  if (!validLimit(limits?.maxBytes) || !validLimit(limits?.maxEntries)) {
    return refuse("invalid limits: maxBytes and maxEntries must be non-negative integers");
  }
  try {
    if (!(await stat(archivePath)).isFile()) return refuse("archive: not a regular file");
  } catch (err) {
    return refuse(`archive: cannot read (${describe(err)})`);
  }

  const root = resolve(stagingDir);
  try {
    // Non-recursive: an existing folder (or symlink) is refused and left alone, so a pack can
    // never be merged into, or redirected to, something that is already there.
    await mkdir(root);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "EEXIST") return refuse(`staging folder ${JSON.stringify(root)} already exists`);
    if (code === "ENOENT")
      return refuse(`parent of staging folder ${JSON.stringify(root)} does not exist`);
    return refuse(`cannot create staging folder (${describe(err)})`);
  }

  let result: ExtractResult;
  try {
    result = await extractInto(archivePath, root, limits);
  } catch (err) {
    result = refuse(`archive: extraction failed (${describe(err)})`);
  }
  if (!result.ok) {
    try {
      await rm(root, { recursive: true, force: true });
    } catch (err) {
      return refuse(`${result.reason}; removing the staging folder failed (${describe(err)})`);
    }
  }
  return result;
}

interface Plan {
  label: string;
  kind: PackEntryKind;
  segments: string[];
  mode: number;
  size: number;
}

async function extractInto(
  archivePath: string,
  root: string,
  limits: ExtractLimits,
): Promise<ExtractResult> {
  const writer = new StagingWriter(root, limits.maxBytes);
  const plans = new Map<ReadEntry, Plan>();
  let failure: string | undefined;
  let entries = 0;
  let declared = 0;
  let sawEof = false;
  let finished = () => {};
  const settled = new Promise<void>((res) => {
    finished = res;
  });

  const fail = (reason: string): void => {
    if (failure !== undefined) return;
    failure = reason;
    writer.abandon();
    parser.abort(new Error(reason)); // stops parsing the current chunk right away
    finished();
  };

  // Header-time checks: run before any byte of the entry is consumed, so a refused entry is
  // never written and a cap is enforced without reading the oversized data.
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
    // entry.path (after pax/GNU long names) is what gets written; header.path (ustar
    // prefix + name, as tar combined them) can differ when an archive plays prefix tricks.
    // Both are checked raw: tar's Unpack would strip "/" and skip ".." with a mere warning.
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
    plans.set(entry, {
      label,
      kind: kind.value,
      segments: path.value,
      mode: mode.value,
      size: size.value,
    });
    return true;
  };

  const onEntry = (entry: ReadEntry): void => {
    const plan = plans.get(entry);
    plans.delete(entry);
    if (failure !== undefined || plan === undefined) return void entry.resume();
    const guard = (action: () => void) => {
      if (failure !== undefined) return;
      try {
        action();
      } catch (err) {
        fail(`${plan.label}: ${describe(err)}`);
      }
    };
    if (plan.kind === "directory") {
      guard(() => writer.mkdir(plan.segments, plan.mode));
      return void entry.resume();
    }
    guard(() => writer.openFile(plan.segments, plan.mode, plan.size));
    entry.on("data", (chunk: Buffer) => guard(() => writer.write(chunk)));
    entry.on("end", () => guard(() => writer.closeFile()));
    entry.resume();
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
  writer.abandon();
  if (failure === undefined && !sawEof) {
    failure = "archive: end-of-archive marker missing (truncated tar)";
  }
  return failure === undefined
    ? { ok: true, files: writer.files, bytes: writer.bytes }
    : { ok: false, reason: failure };
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
  if (code === "Z_BUF_ERROR") return `archive: truncated gzip data (${describe(err, true)})`;
  if (code === "Z_DATA_ERROR") return `archive: not valid gzip data (${describe(err, true)})`;
  return `archive: cannot read (${describe(err)})`;
}

function describe(err: unknown, preferMessage = false): string {
  if (typeof err === "object" && err !== null) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (!preferMessage && typeof code === "string") return code;
    if (typeof message === "string") return message;
  }
  return String(err);
}
