// Checks a function pack (.tgz) entry by entry without extracting it: the agent's entry rules
// and caps (the same functions), and the agent's staging layout rules (duplicates, a file
// where a folder must be), applied to a map of paths instead of a folder. Only the descriptor's
// bytes are kept. A 1.4 MB pack that expands to gigabytes costs the decompression work, never
// the disk space.
//
// The pipeline mirrors the agent's extractPackSafely (protocol/src/node/pack/safe-extract.ts): our
// gunzip (so decompressed bytes are counted) -> tar.Parser, strict -> header-time rules.

import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { DESCRIPTOR_FILE, err, ok, type Result } from "@tillroll/protocol";
import {
  checkEntryMode,
  checkEntrySize,
  checkEntryType,
  decompressedCap,
  type ExtractLimits,
  entryLabel,
  splitPackPath,
} from "@tillroll/protocol/node";
import { Parser, ReadEntry } from "tar";
import { PathTree } from "./path-tree.js";

/** More descriptor bytes than the agent reads (1 MiB): kept only to let the reader refuse them. */
const DESCRIPTOR_KEEP = 1024 * 1024 + 1;
// Long paths and pax records are small; tar's default (1 MiB) would be buffered in memory.
const MAX_META_ENTRY = 64 * 1024;

export interface PackScan {
  /** The descriptor file's bytes (cut after 1 MiB + 1), or null if there is no such file. */
  descriptor: Buffer | null;
  /** What the pack has at the descriptor's path: a folder there is refused by the reader. */
  descriptorKind: "file" | "folder" | undefined;
  /** Paths of the regular files, `/`-separated, relative to the pack root. */
  files: string[];
  /** Bytes of file data, decompressed. */
  bytes: number;
}

/**
 * Reads `archivePath` once and returns what it holds, or the first reason an agent would
 * refuse it, worded as the agent words it. Never writes; never throws for bad input.
 */
export async function scanPack(
  archivePath: string,
  limits: ExtractLimits,
): Promise<Result<PackScan>> {
  const tree = new PathTree(limits.maxBytes);
  /** File entries admitted at header time, until their data arrives. */
  const files = new Map<ReadEntry, { label: string; isDescriptor: boolean }>();
  const descriptorChunks: Buffer[] = [];
  let descriptorBytes = 0;
  let hasDescriptor = false;
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
    parser.abort(new Error(reason));
    finished();
  };

  // The agent's header-time checks, in the agent's order.
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
    const placed =
      kind.value === "directory"
        ? tree.addFolder(path.value)
        : tree.addFile(path.value, size.value);
    if (placed !== null) return reject(placed);
    if (kind.value === "file") {
      const isDescriptor = path.value.join("/") === DESCRIPTOR_FILE;
      hasDescriptor ||= isDescriptor;
      files.set(entry, { label, isDescriptor });
    }
    return true;
  };

  const onEntry = (entry: ReadEntry): void => {
    const file = files.get(entry);
    files.delete(entry);
    if (failure !== undefined || file === undefined) return void entry.resume();
    const { label, isDescriptor } = file;
    entry.on("data", (chunk: Buffer) => {
      if (failure !== undefined) return;
      const problem = tree.count(chunk.length);
      if (problem !== null) return fail(`${label}: ${problem}`);
      if (isDescriptor && descriptorBytes < DESCRIPTOR_KEEP) {
        const part = chunk.subarray(0, DESCRIPTOR_KEEP - descriptorBytes);
        descriptorChunks.push(Buffer.from(part));
        descriptorBytes += part.length;
      }
    });
    entry.on("end", () => {
      if (failure !== undefined) return;
      const problem = tree.closeFile();
      if (problem !== null) fail(`${label}: ${problem}`);
    });
    entry.resume();
  };

  const parser = new Parser({
    strict: true,
    brotli: false,
    zstd: false,
    maxMetaEntrySize: MAX_META_ENTRY,
    filter: (_path, entry) => entry instanceof ReadEntry && admit(entry),
    onwarn: (_code, message, data) => fail(tarProblem(message, data)),
  });
  parser.on("error", (error: Error) => fail(tarProblem(error.message, error)));
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
        head = Buffer.concat([head, data]);
        if (head.length < 2) continue;
        if (head[0] === 0x1f && head[1] === 0x8b) {
          fail("archive: nested compression is not allowed");
          break;
        }
        chunk = head;
        head = undefined;
      }
      if (!sawEof) parser.write(chunk);
      if (failure !== undefined) break;
    }
  } catch (error) {
    fail(gzipProblem(error));
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
  if (failure !== undefined) return err(failure);
  return ok({
    descriptor: hasDescriptor ? Buffer.concat(descriptorChunks) : null,
    descriptorKind: tree.kindOf([DESCRIPTOR_FILE]),
    files: tree.files,
    bytes: tree.bytes,
  });
}

/** tar attaches the offending `entry` or `header` to its warnings; name it when it has a path. */
function tarProblem(message: string, data: object): string {
  type Named = { path?: unknown; cksumValid?: unknown };
  const { entry, header } = data as { entry?: Named; header?: Named };
  const path = entry?.path ?? (header?.cksumValid === true ? header.path : undefined);
  const where = typeof path === "string" && path !== "" ? entryLabel(path) : "archive";
  return `${where}: invalid tar data (${message})`;
}

function gzipProblem(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === "string" ? message : String(error);
  if (code === "Z_BUF_ERROR") return `archive: truncated gzip data (${text})`;
  if (code === "Z_DATA_ERROR") return `archive: not valid gzip data (${text})`;
  return `archive: cannot read (${typeof code === "string" ? code : text})`;
}
