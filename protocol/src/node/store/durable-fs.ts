import { randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";

/**
 * The few file-handle operations the durable store needs. Kept narrow (rather
 * than node's whole FileHandle) so tests can wrap them and count fsyncs.
 */
export interface DurableHandle {
  writeFile(data: string, encoding: "utf8"): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The subset of `node:fs/promises` the store uses; injectable for tests. */
export interface DurableFs {
  open(file: string, flags: string, mode?: number): Promise<DurableHandle>;
  readFile(file: string, encoding: "utf8"): Promise<string>;
  readdir(dir: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, newPath: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
}

export const nodeFs: DurableFs = fsp;

/** Filesystems without hard links (FAT, some network mounts) answer with one of these. */
const LINK_UNSUPPORTED: readonly string[] = ["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK"];

export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A fresh temp name next to `file`. Same folder so the final rename never
 * crosses a filesystem (cross-device renames are copies, not atomic); pid and
 * random suffix so a restarted agent never collides with a dead one's leftover.
 */
export function temporaryPath(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
}

/** Whether a directory entry is a temp file that `temporaryPath(<dir>/<base>)` could produce. */
export function isTemporaryName(base: string, entry: string): boolean {
  return entry.startsWith(`${base}.tmp-`);
}

/**
 * Creates `file` (which must not exist) with `text`, and fsyncs it before
 * returning. `mode` (default 0o666, less the umask) is set at creation, so a
 * secret is never readable by others, not even for an instant.
 */
export async function writeFileSynced(
  fs: DurableFs,
  file: string,
  text: string | AsyncIterable<string>,
  mode?: number,
): Promise<void> {
  // "wx": a unique temp name that already exists means something is badly wrong; never clobber it.
  const handle = await (mode === undefined ? fs.open(file, "wx") : fs.open(file, "wx", mode));
  try {
    if (typeof text === "string") {
      await handle.writeFile(text, "utf8");
    } else {
      // FileHandle.writeFile writes from the current position, so pieces append.
      for await (const piece of text) await handle.writeFile(piece, "utf8");
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncExisting(fs: DurableFs, file: string, flags: string): Promise<void> {
  const handle = await fs.open(file, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes the directory entries in `dir` (creations, renames) durable. Without
 * this a power cut can roll back a rename even though the file data was synced.
 */
export async function fsyncDir(fs: DurableFs, dir: string): Promise<void> {
  // Windows cannot open a directory as a file; NTFS journals renames itself.
  if (process.platform === "win32") return;
  await syncExisting(fs, dir, "r");
}

/**
 * Points `backup` at the current contents of `file`, atomically.
 *
 * Preferred: hard-link `file` to a temp name, then rename that over `backup`.
 * This is crash-safe without copying a byte: the linked inode is the very one
 * we fsynced when it was written as the main file, and it is immutable from
 * then on because every write replaces the main file by rename, never in
 * place. The rename over `backup` is atomic, so at any instant `backup` is
 * either the old backup or the complete previous main file.
 *
 * Fallback where links are unsupported: copy to a temp name, fsync the copy,
 * then rename it over `backup`; the fsync-before-rename keeps the same
 * guarantee. Returns how it was done, or "none" if `file` does not exist.
 */
export async function replaceBackup(
  fs: DurableFs,
  file: string,
  backup: string,
  scratch: string,
): Promise<"link" | "copy" | "none"> {
  let how: "link" | "copy" = "link";
  try {
    await fs.link(file, scratch);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT") return "none";
    if (code === undefined || !LINK_UNSUPPORTED.includes(code)) throw error;
    how = "copy";
    await fs.copyFile(file, scratch);
    // "r+": Windows' FlushFileBuffers needs a writable handle.
    await syncExisting(fs, scratch, "r+");
  }
  await fs.rename(scratch, backup);
  return how;
}
