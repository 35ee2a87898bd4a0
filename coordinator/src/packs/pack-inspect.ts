// The coordinator's checks on a pack before it is published: what an agent will check when it
// extracts it (the same entry rules and caps, the same descriptor reader), so a pack that
// would be refused on a till is refused at the coordinator first, without ever writing the
// pack's expanded size anywhere.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DESCRIPTOR_FILE, err, type FunctionPackDescriptor, type Result } from "@tillroll/protocol";
import { type ExtractLimits, readDescriptor } from "@tillroll/protocol/node";
import { missingNamedFile } from "./descriptor-files.js";
import { describeError } from "./pack-file.js";
import { scanPack } from "./pack-scan.js";

export const DEFAULT_PACK_LIMITS: Readonly<ExtractLimits> = Object.freeze({
  maxBytes: 2 * 1024 * 1024 * 1024,
  maxEntries: 100_000,
});

/** The defaults with `overrides` applied; throws a TypeError for a limit that is not usable. */
export function resolveLimits(overrides: Partial<ExtractLimits> = {}): ExtractLimits {
  const limits = { ...DEFAULT_PACK_LIMITS, ...overrides };
  for (const key of ["maxBytes", "maxEntries"] as const) {
    const value = limits[key];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new TypeError(`pack limits: ${key} must be a non-negative integer, got ${value}`);
    }
  }
  return limits;
}

/**
 * Largest `.tgz` worth reading. The agent stops decompressing beyond
 * `maxBytes + (maxEntries + 1) * 4 KiB + 64 KiB` (tar framing around the data), and gzip grows
 * even incompressible data by far less than 1/8192 plus its header; anything larger cannot be
 * a pack within the limits, so it is refused before it fills the disk.
 */
export function maxArchiveBytes(limits: ExtractLimits): number {
  const tar = limits.maxBytes + (limits.maxEntries + 1) * 4096 + 64 * 1024;
  return tar + Math.ceil(tar / 8192) + 1024 * 1024;
}

export interface InspectOptions {
  limits: ExtractLimits;
  /** Parent of the small folder the descriptor is read from; inside the data folder. */
  tmpDir: string;
  /** Told when that folder cannot be removed. */
  log: (msg: string) => void;
}

/** Prefix of the descriptor folders; a start removes any a crash left (see PackStore.open). */
export const CHECK_FOLDER_PREFIX = ".check-";

/**
 * Checks `archive` entry by entry as an agent will, without extracting it (scanPack), then
 * reads its descriptor with the agent's reader and checks that every file it names (start,
 * stop, health command, hooks) is a regular file of the pack: only the descriptor (at most 1 MiB) is
 * written, in a fresh folder under `tmpDir` that is always removed.
 */
export async function inspectPack(
  archive: string,
  options: InspectOptions,
): Promise<Result<FunctionPackDescriptor>> {
  const scanned = await scanPack(archive, options.limits);
  if (!scanned.ok) return scanned;
  const { descriptor, descriptorKind } = scanned.value;
  if (descriptorKind === undefined) return err(`pack has no ${DESCRIPTOR_FILE} at its root`);
  let folder: string;
  try {
    folder = await mkdtemp(join(options.tmpDir, CHECK_FOLDER_PREFIX));
  } catch (error) {
    return err(`cannot create a check folder in ${options.tmpDir} (${describeError(error)})`);
  }
  try {
    // As the pack has it, so the reader words its verdict as it does on a till.
    if (descriptor === null) await mkdir(join(folder, DESCRIPTOR_FILE));
    else await writeFile(join(folder, DESCRIPTOR_FILE), descriptor, { mode: 0o600 });
    const read = await readDescriptor(folder);
    if (!read.ok) return read;
    // The scan listed the pack's regular files: every file the descriptor names must be one.
    const missing = missingNamedFile(read.value, new Set(scanned.value.files));
    return missing === null ? read : err(missing);
  } catch (error) {
    return err(`cannot check ${DESCRIPTOR_FILE} (${describeError(error)})`);
  } finally {
    try {
      await rm(folder, { recursive: true, force: true });
    } catch (error) {
      options.log(`cannot remove check folder ${folder}: ${describeError(error)}`);
    }
  }
}
