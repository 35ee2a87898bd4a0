/**
 * Local file handling for downloads: hashing what is already on disk,
 * deciding how much of a `.part` file can be resumed, and committing a
 * verified file durably (fsync, rename, directory fsync).
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";

/** Incremental SHA-256 state together with the number of bytes fed into it. */
export interface HashedPrefix {
  hash: Hash;
  bytes: number;
}

export function emptyPrefix(): HashedPrefix {
  return { hash: createHash("sha256"), bytes: 0 };
}

/** Size of a regular file, or `undefined` if there is none at `path`. */
export async function regularFileSize(path: string): Promise<number | undefined> {
  try {
    const st = await stat(path);
    return st.isFile() ? st.size : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Streams a file through SHA-256; the returned hash is not yet digested. */
export async function hashFile(path: string): Promise<HashedPrefix> {
  const prefix = emptyPrefix();
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    prefix.hash.update(buf);
    prefix.bytes += buf.length;
  }
  return prefix;
}

/** True if `path` is a regular file of exactly `size` bytes hashing to `sha256` (lower-case hex). */
export async function fileMatches(path: string, size: number, sha256: string): Promise<boolean> {
  const actual = await regularFileSize(path);
  if (actual !== size) return false;
  const { hash, bytes } = await hashFile(path);
  return bytes === size && hash.digest("hex") === sha256;
}

/** Deletes a file and ignores "not there" (a directory in the way is an error, not recursed into). */
export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * Loads the resumable prefix of a `.part` file.
 * A part that is not a regular file or is longer than `size` is deleted and
 * an empty prefix returned.
 */
export async function loadPart(
  partPath: string,
  size: number,
  log: (msg: string) => void,
): Promise<HashedPrefix> {
  const existing = await regularFileSize(partPath);
  if (existing === undefined) return emptyPrefix();
  if (existing > size) {
    log(`download: ${partPath} has ${existing} bytes, more than ${size}; discarding`);
    await removeQuietly(partPath);
    return emptyPrefix();
  }
  const prefix = await hashFile(partPath);
  if (prefix.bytes > size) {
    // Grew while we were reading it: nobody else should write here, so distrust it.
    log(`download: ${partPath} changed while hashing; discarding`);
    await removeQuietly(partPath);
    return emptyPrefix();
  }
  return prefix;
}

/**
 * Makes a verified `.part` file permanent: fsync its data, rename it over
 * `destPath`, then fsync the directory so the rename survives a power cut.
 */
export async function commitPart(partPath: string, destPath: string): Promise<void> {
  const handle = await open(partPath, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(partPath, destPath);
  await syncDirectory(dirname(destPath));
}

/** Best effort: directories cannot be opened for fsync on every platform (e.g. Windows). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Durability of the rename is then up to the OS.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
