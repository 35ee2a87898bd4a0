// The coordinator's checks on a pack before it is published: exactly what an agent will do
// with it (extractPackSafely into a fresh staging folder, then read and validate the
// descriptor), so a pack that would be refused on a till is refused at the coordinator first.

import { lstat, mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { type ExtractLimits, extractPackSafely } from "@tillroll/agent";
import {
  DESCRIPTOR_FILE,
  err,
  type FunctionPackDescriptor,
  functionPackDescriptorSchema,
  ok,
  type Result,
  validate,
} from "@tillroll/protocol";
import { describeError } from "./pack-file.js";

export const DEFAULT_PACK_LIMITS: Readonly<ExtractLimits> = Object.freeze({
  maxBytes: 2 * 1024 * 1024 * 1024,
  maxEntries: 100_000,
});

/** A descriptor is a few hundred bytes; reading a huge one would only fill memory. */
export const MAX_DESCRIPTOR_BYTES = 1024 * 1024;

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
    return await readPackDescriptor(join(parent, "staging"));
  } finally {
    try {
      await rm(parent, { recursive: true, force: true });
    } catch (error) {
      options.log(`cannot remove staging folder ${parent}: ${describeError(error)}`);
    }
  }
}

/**
 * Reads and validates `function-pack-descriptor.json` at the root of an extracted pack, with
 * the agent's wording: `function-pack-descriptor.json: service.start: is required`.
 */
export async function readPackDescriptor(
  releaseDir: string,
): Promise<Result<FunctionPackDescriptor>> {
  const file = join(releaseDir, DESCRIPTOR_FILE);
  let text: string;
  try {
    const st = await lstat(file);
    if (!st.isFile()) return err(`${DESCRIPTOR_FILE} at the pack root is not a regular file`);
    if (st.size > MAX_DESCRIPTOR_BYTES) {
      return err(`${DESCRIPTOR_FILE} is larger than ${MAX_DESCRIPTOR_BYTES} bytes`);
    }
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = describeError(error);
    return err(
      code === "ENOENT"
        ? `pack has no ${DESCRIPTOR_FILE} at its root`
        : `cannot read ${DESCRIPTOR_FILE}: ${code}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return err(`${DESCRIPTOR_FILE}: invalid JSON (${(error as Error).message})`);
  }
  const checked = validate(functionPackDescriptorSchema, raw);
  if (!checked.ok) return err(`${DESCRIPTOR_FILE}: ${checked.error.replaceAll("\n", "; ")}`);
  return ok(checked.value);
}
