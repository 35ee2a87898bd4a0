import { chmod, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { DataDirError } from "./data-dir-error.js";

/** Files that grant control of the fleet: group/world access refuses the start. */
export const SECRET_FILES: readonly string[] = ["signing-key.pem", "operator-token"];

/**
 * Data files that must be the owner's alone (credential hashes, fleet
 * inventory, audit trail): a wider mode is narrowed to 0600, with a warning.
 */
const PRIVATE_DATA = /^(coordinator\.json|fleet\.json|audit\.jsonl|fleet-\d+\.log)(\.bak)?$/;

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * Checks the modes of the files in the data folder `dir` at start (the
 * folder's own mode is set only when it is created, and files can be copied
 * in or restored from a backup with any mode):
 * - a secret (private signing key, operator token) readable or writable by
 *   group or others refuses the start: it may already have been copied, and
 *   silently narrowing the mode would hide that;
 * - other data files are narrowed to 0600, with a warning;
 * - a folder open to group or others gets a warning.
 */
export async function checkDataModes(dir: string, warn: (message: string) => void): Promise<void> {
  if (process.platform === "win32") return; // no POSIX modes; ACLs decide
  const folder = await stat(dir);
  if ((folder.mode & 0o077) !== 0) {
    warn(
      `warning: data folder ${dir} is mode ${octal(folder.mode)}: other users can list it; run chmod 700 ${dir}`,
    );
  }
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const secret = SECRET_FILES.includes(name);
    if (!secret && !PRIVATE_DATA.test(name)) continue;
    const st = await stat(path);
    if (!st.isFile() || (st.mode & 0o077) === 0) continue;
    if (secret) {
      const replace =
        name === "operator-token"
          ? "delete it and a new token is made on start"
          : 'rotate the key (README: "Signing key: backup and rotation")';
      throw new DataDirError(
        `${path} is mode ${octal(st.mode)}: other users can read it. Run chmod 600 ${path} and start again; if someone may have copied it, ${replace}`,
      );
    }
    await chmod(path, 0o600);
    warn(`warning: ${path} was mode ${octal(st.mode)} (readable by other users); set to 0600`);
  }
}
