// Checks a function pack (.tgz) entry by entry without extracting it: the agent's entry rules
// and caps (the same functions), and the agent's staging layout rules (duplicates, a file
// where a folder must be), applied to a map of paths instead of a folder. Only the descriptor's
// bytes are kept. A 1.4 MB pack that expands to gigabytes costs the decompression work, never
// the disk space.
//
// The reading is the agent's own (readPackArchive, protocol/src/node/pack/read-pack.ts: our
// gunzip, strict tar, the header-time entry rules); only where entries go differs.

import { DESCRIPTOR_FILE, err, ok, type Result } from "@tillroll/protocol";
import type { ExtractLimits } from "@tillroll/protocol/node";
import { readPackArchive } from "@tillroll/protocol/node/extract";
import { PathTree } from "./path-tree.js";

/** More descriptor bytes than the agent reads (1 MiB): kept only to let the reader refuse them. */
const DESCRIPTOR_KEEP = 1024 * 1024 + 1;

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
  const descriptorChunks: Buffer[] = [];
  let descriptorBytes = 0;
  let hasDescriptor = false;
  const failure = await readPackArchive(archivePath, limits, {
    // The agent's staging layout rules, on a map of paths instead of a folder.
    place: (entry) =>
      entry.kind === "directory"
        ? tree.addFolder(entry.segments)
        : tree.addFile(entry.segments, entry.size),
    consume: (entry, checked, fail, failed) => {
      if (checked.kind !== "file") return void entry.resume();
      const isDescriptor = checked.segments.join("/") === DESCRIPTOR_FILE;
      hasDescriptor ||= isDescriptor;
      entry.on("data", (chunk: Buffer) => {
        if (failed()) return;
        const problem = tree.count(chunk.length);
        if (problem !== null) return fail(`${checked.label}: ${problem}`);
        if (isDescriptor && descriptorBytes < DESCRIPTOR_KEEP) {
          const part = chunk.subarray(0, DESCRIPTOR_KEEP - descriptorBytes);
          descriptorChunks.push(Buffer.from(part));
          descriptorBytes += part.length;
        }
      });
      entry.on("end", () => {
        if (failed()) return;
        const problem = tree.closeFile();
        if (problem !== null) fail(`${checked.label}: ${problem}`);
      });
      entry.resume();
    },
  });
  if (failure !== undefined) return err(failure);
  return ok({
    descriptor: hasDescriptor ? Buffer.concat(descriptorChunks) : null,
    descriptorKind: tree.kindOf([DESCRIPTOR_FILE]),
    files: tree.files,
    bytes: tree.bytes,
  });
}
