// Byte-level file work for the pack store: a streaming copy that hashes what it writes, and
// the fsyncs that make a stored pack survive a power cut. Nothing here reads a whole file into
// memory; packs can be gigabytes.

import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { err, ok, type Result } from "@tillroll/protocol";

export interface CopiedFile {
  /** Of the bytes written to the target, lower-case hex. */
  sha256: string;
  /** Bytes written to the target. */
  size: number;
}

const CHUNK = 1024 * 1024;

/**
 * Copies `source` to `target` (which must not exist), hashing exactly the bytes written, and
 * fsyncs the target. Refuses a source that is not a regular file or grows beyond `maxBytes`.
 * On any failure the target is removed; I/O errors are reported, never thrown.
 */
export async function copyHashed(
  source: string,
  target: string,
  maxBytes: number,
): Promise<Result<CopiedFile>> {
  let input: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    input = await open(source, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return err(`archive: cannot open (${describeError(error)})`);
  }
  let output: FileHandle | undefined;
  let done = false;
  try {
    const st = await input.stat();
    if (!st.isFile()) return err("archive: not a regular file");
    if (st.size > maxBytes) return err(tooLarge(maxBytes));
    output = await open(target, "wx", 0o644);
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(CHUNK);
    let size = 0;
    for (;;) {
      const { bytesRead } = await input.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > maxBytes) return err(tooLarge(maxBytes));
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      await writeAll(output, chunk);
    }
    await output.sync();
    done = true;
    return ok({ sha256: hash.digest("hex"), size });
  } catch (error) {
    return err(`cannot copy the archive into the store (${describeError(error)})`);
  } finally {
    await input.close().catch(() => {});
    if (output !== undefined) {
      await output.close().catch(() => {});
      if (!done) await removeIfPresent(target).catch(() => {});
    }
  }
}

function tooLarge(maxBytes: number): string {
  return `archive: larger than ${maxBytes} bytes, more than a pack within the limits can be`;
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
    written += bytesWritten;
  }
}

/** Makes creations and renames in `dir` durable (a power cut can otherwise undo a rename). */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === "win32") return; // directories cannot be opened; NTFS journals renames
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Deletes `file`; a file that is already gone is fine. Other errors are thrown. */
export async function removeIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** `ENOENT`-style code when there is one (short, stable), else the message. */
export function describeError(error: unknown): string {
  const code = errorCode(error);
  if (code !== undefined) return code;
  return error instanceof Error ? error.message : String(error);
}
