import { randomBytes } from "node:crypto";
import { chmod, link, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Small file helpers for key material and generated configs: a file is either
 * absent, or whole and fsync'd (temp file, fsync, rename, fsync of the
 * folder), so a power cut never leaves half a key or half a certificate.
 */

export interface DurableWriteOptions {
  /** File mode; 0o600 for keys and password files. */
  mode: number;
  /**
   * "create": refuse (EEXIST) when the file already exists, so key material
   * is never overwritten; "replace": atomically replace it (certificates,
   * generated configs).
   */
  existing: "create" | "replace";
}

export async function writeFileDurably(
  path: string,
  text: string,
  options: DurableWriteOptions,
): Promise<void> {
  const temp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
  const handle = await open(temp, "wx", options.mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // open() applies the umask; the mode must hold exactly.
    await chmod(temp, options.mode);
    if (options.existing === "create") {
      // link() fails with EEXIST instead of replacing: no race with a second start.
      await link(temp, path);
      await unlink(temp);
    } else {
      await rename(temp, path);
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dirname(path));
}

/** Makes a rename or link in `dir` durable (the entry lives in the folder). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The file's text, or null when it does not exist; other errors propagate. */
export async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
