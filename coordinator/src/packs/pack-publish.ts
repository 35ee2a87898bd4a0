// The publish steps both pack record stores share (the lowdb index in pack-store.ts, the
// PostgreSQL table in store/pg/pg-packs.ts): receiving an archive as a checked copy in the
// store folder, deciding whether it may be recorded, and clearing what a crash left. They
// differ only in how the record is made durable.

import { randomBytes } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { err, type FunctionPackDescriptor, ok, type Result } from "@tillroll/protocol";
import type { ExtractLimits } from "@tillroll/protocol/node";
import semver from "semver";
import { type CopiedFile, copyHashed, describeError, removeIfPresent } from "./pack-file.js";
import { CHECK_FOLDER_PREFIX, inspectPack, maxArchiveBytes } from "./pack-inspect.js";
import type { PackRecord } from "./pack-record.js";

/** Temp copies of archives being published; never the index's own temp names. */
const INCOMING_PREFIX = ".incoming-";

/**
 * Copies the archive at `filePath` into `packsDir` while hashing it and checks that very copy
 * as an agent will (so the checked, hashed and served bytes are the same bytes even if the
 * source changes meanwhile), then hands it to `commit` (which renames it to its final name
 * and records it). Never throws; the copy is gone afterwards unless `commit` renamed it.
 */
export async function receivePack(
  filePath: string,
  where: { packsDir: string; limits: ExtractLimits; tmpDir: string; log: (m: string) => void },
  commit: (
    incoming: string,
    descriptor: FunctionPackDescriptor,
    file: CopiedFile,
  ) => Promise<Result<PackRecord>>,
): Promise<Result<PackRecord>> {
  const suffix = `${process.pid}-${randomBytes(6).toString("hex")}.tgz`;
  const incoming = join(where.packsDir, `${INCOMING_PREFIX}${suffix}`);
  try {
    const copied = await copyHashed(resolve(filePath), incoming, maxArchiveBytes(where.limits));
    if (!copied.ok) return copied;
    const checked = await inspectPack(incoming, {
      limits: where.limits,
      tmpDir: where.tmpDir,
      log: where.log,
    });
    if (!checked.ok) return checked;
    return await commit(incoming, checked.value, copied.value);
  } catch (error) {
    return err(`cannot publish ${filePath}: ${describeError(error)}`);
  } finally {
    await removeIfPresent(incoming).catch((error: unknown) =>
      where.log(`cannot remove ${incoming}: ${describeError(error)}`),
    );
  }
}

/**
 * Pure: whether a checked pack may be recorded among `records`. ok(undefined): record it;
 * ok(record): the same bytes are published already (publishing is idempotent); an error:
 * refused, as versions are immutable.
 */
export function publishCheck(
  records: readonly PackRecord[],
  descriptor: FunctionPackDescriptor,
  sha256: string,
): Result<PackRecord | undefined> {
  const { name, version } = descriptor;
  const existing = records.find((r) => r.name === name && r.version === version);
  if (existing !== undefined) {
    if (existing.sha256 === sha256) return ok(structuredClone(existing));
    return err(
      `${name} ${version} is already published with sha256 ${existing.sha256}; versions are immutable, publish a new version`,
    );
  }
  // 1.1.0+a and 1.1.0+b are the same version to semver (and to allowedVersions).
  const twin = records.find((r) => r.name === name && semver.eq(r.version, version));
  if (twin !== undefined)
    return err(
      `${name} ${version}: ${twin.version} is already published and differs only in build metadata; versions are immutable, publish a new version`,
    );
  // Impossible with a consistent index: the descriptor is part of the bytes.
  const sameBytes = records.find((r) => r.sha256 === sha256);
  if (sameBytes !== undefined)
    return err(`sha256 ${sha256} is already stored as ${sameBytes.name} ${sameBytes.version}`);
  return ok(undefined);
}

/**
 * Removes the copies and descriptor check folders of publishes a crash interrupted. One
 * store per folder: this would include another's publish under way.
 */
export async function removePublishLeftovers(
  packsDir: string,
  log: (message: string) => void,
): Promise<void> {
  for (const entry of await readdir(packsDir)) {
    if (!entry.startsWith(INCOMING_PREFIX) && !entry.startsWith(CHECK_FOLDER_PREFIX)) continue;
    const file = join(packsDir, entry);
    try {
      await rm(file, { recursive: true, force: true });
      log(`${file}: removed the copy left by an interrupted publish`);
    } catch (error) {
      log(`${file}: cannot remove leftover copy: ${describeError(error)}`);
    }
  }
}
