// The coordinator's checks on a pack before it is published: exactly what an agent will do
// with it (extractPackSafely into a fresh staging folder, then read and validate the
// descriptor), so a pack that would be refused on a till is refused at the coordinator first.

import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { type ExtractLimits, extractPackSafely, readDescriptor } from "@tillroll/agent";
import { err, type FunctionPackDescriptor, type Result } from "@tillroll/protocol";
import { describeError } from "./pack-file.js";

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
  /** Parent of the temporary staging folder. */
  tmpDir: string;
  /** Told when the staging folder cannot be removed. */
  log: (msg: string) => void;
}

/**
 * Extracts `archive` into a fresh staging folder under `tmpDir` and returns its validated
 * descriptor, or why the pack is refused. The staging folder is always removed.
 */
export async function inspectPack(
  archive: string,
  options: InspectOptions,
): Promise<Result<FunctionPackDescriptor>> {
  let parent: string;
  try {
    parent = await mkdtemp(join(options.tmpDir, "tillroll-pack-check-"));
  } catch (error) {
    return err(`cannot create a staging folder in ${options.tmpDir} (${describeError(error)})`);
  }
  try {
    const extracted = await extractPackSafely(archive, join(parent, "staging"), options.limits);
    if (!extracted.ok) return err(extracted.reason);
    return await readDescriptor(join(parent, "staging"));
  } finally {
    try {
      await rm(parent, { recursive: true, force: true });
    } catch (error) {
      options.log(`cannot remove staging folder ${parent}: ${describeError(error)}`);
    }
  }
}
