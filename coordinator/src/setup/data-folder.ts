import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { DataDirError } from "./data-dir-error.js";

/**
 * Makes sure `dir` is a folder the coordinator can keep its data in,
 * creating it (mode 700) and any missing parents one level at a time.
 *
 * Not `mkdir(dir, { recursive: true })`: on a virtual file system such as
 * /proc that call never returns (Node retries ENOENT from the kernel
 * forever: `--data /proc/x` spun at 86 % CPU), and its EEXIST for a path
 * that is a file says nothing an operator can act on.
 */
export async function ensureDataFolder(dir: string): Promise<void> {
  const path = resolve(dir);
  const missing: string[] = [];
  let probe = path;
  for (;;) {
    const kind = await kindOf(probe);
    if (kind === "folder") break;
    if (kind === "other")
      throw new DataDirError(
        probe === path
          ? `--data ${dir}: ${path} is a file, not a folder: name a folder (it is created if missing)`
          : `--data ${dir}: ${probe} is a file, not a folder, so ${path} cannot be created there`,
      );
    missing.unshift(probe);
    const parent = dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  for (const folder of missing) {
    try {
      await mkdir(folder, { mode: 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      if (code === "EEXIST" && (await kindOf(folder)) === "folder") continue; // made meanwhile
      throw new DataDirError(
        `--data ${dir}: cannot create the folder ${folder} (${code}${HINTS[code] ?? ""})`,
      );
    }
  }
}

const HINTS: Readonly<Record<string, string>> = {
  EACCES: ": no permission; choose a folder this user may write, or run as its owner",
  EPERM: ": not permitted; choose a folder this user may write",
  EROFS: ": read-only file system",
  ENOENT: ": this file system does not hold folders (e.g. /proc); choose a real folder",
  ENOSPC: ": the disk is full",
};

async function kindOf(path: string): Promise<"folder" | "other" | "missing"> {
  try {
    return (await stat(path)).isDirectory() ? "folder" : "other";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file; the walk up finds and names it.
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw new DataDirError(`cannot read ${path} (${code ?? String(error)})`);
  }
}
