import { stat } from "node:fs/promises";

/**
 * The agent config holds the broker password. A till's disk is read by
 * technicians, backup tools and other services, so a config that group or
 * others may read is a leaked credential. The agent still starts (refusing
 * would take a till's updates down over a chmod), but says so in one line
 * that names the file and the fix.
 */

/** Why `mode` exposes the secrets in `path`, or null when only the owner can read it. */
export function configModeWarning(path: string, mode: number, holdsSecret: boolean): string | null {
  if (!holdsSecret || (mode & 0o077) === 0) return null;
  const octal = (mode & 0o777).toString(8).padStart(4, "0");
  const who = [(mode & 0o070) !== 0 ? "group" : null, (mode & 0o007) !== 0 ? "others" : null]
    .filter((part) => part !== null)
    .join(" and ");
  return `warning: config ${path} holds the broker password but is open to ${who} (mode ${octal}); run: chmod 600 ${path}`;
}

/** Reads the config file's mode; null when all is well or the file cannot be looked at. */
export async function checkConfigMode(path: string, holdsSecret: boolean): Promise<string | null> {
  try {
    return configModeWarning(path, (await stat(path)).mode, holdsSecret);
  } catch {
    return null; // it was just read; a vanished file is not this check's business
  }
}
