import semver from "semver";
import { ProtocolError } from "./result.js";
import { SEMVER_PATTERN } from "./schemas/common.js";

/** "-" is the choice "no update planned" (preferred version null). */
export const NO_UPDATE = "-";

/** What allowedVersions needs of a pack: its version and the range it updates from. */
export interface PackVersionInfo {
  version: string;
  updatableFrom?: string | undefined;
}

/**
 * Prereleases take part in range checks like any version: a till on
 * 1.1.0-rc.1 is updatable by a pack for `>=1.0.0 <1.1.0` (node-semver would
 * otherwise leave prereleases out of ranges that don't name them).
 */
const RANGE_OPTIONS = { includePrerelease: true } as const;

/** Whether a pack may replace `activeVersion` (null: nothing installed yet, so any pack may). */
export function packAdmits(pack: PackVersionInfo, activeVersion: string | null): boolean {
  if (!SEMVER_PATTERN.test(pack.version)) return false;
  if (activeVersion === null) return true;
  if (pack.updatableFrom === undefined) return true;
  if (semver.validRange(pack.updatableFrom, RANGE_OPTIONS) === null) return false;
  return semver.satisfies(activeVersion, pack.updatableFrom, RANGE_OPTIONS);
}

/**
 * The versions an operator may choose for a service running `activeVersion`
 * (null before a first install): `-` first, then every pack version whose
 * descriptor admits the active one, newest first. The active version itself
 * is not offered (choosing it changes nothing). `packs` are the published
 * packs of this service's function.
 */
export function allowedVersions(
  activeVersion: string | null,
  packs: readonly PackVersionInfo[],
): string[] {
  if (activeVersion !== null && !SEMVER_PATTERN.test(activeVersion)) {
    throw new ProtocolError(
      `activeVersion: ${JSON.stringify(activeVersion)} is not a semver version`,
    );
  }
  const admitted = new Set<string>();
  for (const pack of packs) {
    if (!packAdmits(pack, activeVersion)) continue;
    if (activeVersion !== null && semver.eq(pack.version, activeVersion)) continue;
    admitted.add(pack.version);
  }
  return [NO_UPDATE, ...[...admitted].sort(semver.rcompare)];
}
