import { NO_UPDATE } from "@tillroll/protocol";
import semver from "semver";

/**
 * Versions as the console lists them: "-" (no update) first, then newest
 * first in semver order (1.10.0 before 1.9.0, 1.2.0 before 1.2.0-rc.1).
 * Build metadata does not order versions in semver; ties keep a stable,
 * readable order by text.
 */
export function newestFirst(versions: readonly string[]): string[] {
  const rank = (version: string) => (version === NO_UPDATE ? 0 : 1);
  return [...versions].sort((a, b) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    if (rank(a) === 0) return 0;
    // Published packs hold valid semver; anything else sorts after, by text.
    const validA = semver.valid(a) !== null;
    const validB = semver.valid(b) !== null;
    if (validA !== validB) return validA ? -1 : 1;
    const order = validA ? semver.rcompare(a, b) : 0;
    return order !== 0 ? order : a < b ? -1 : a > b ? 1 : 0;
  });
}
