import { execFile } from "node:child_process";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A real small filesystem (tmpfs of a fixed size) for disk-full tests: the
 * code under test sees a genuine ENOSPC from the kernel, not a mock.
 * Mounting needs root (CI containers run as root); `canMount` says whether
 * this machine can.
 */
export interface SmallDisk {
  path: string;
  /** Writes a filler file until the disk is full. */
  fill(): Promise<void>;
  /** Removes the filler: space again. */
  free(): Promise<void>;
  unmount(): Promise<void>;
}

export const canMount = process.getuid?.() === 0;

export async function mountSmallDisk(path: string, sizeBytes: number): Promise<SmallDisk> {
  await run("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes},mode=0700`, "tmpfs", path]);
  const filler = join(path, "filler");
  return {
    path,
    async fill() {
      const handle = await open(filler, "a");
      const chunk = Buffer.alloc(4096, 1);
      try {
        for (let i = 0; i < 1_000_000; i++) await handle.write(chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      } finally {
        await handle.close().catch(() => undefined);
      }
      // Byte-sized leftovers too: a tiny write must fail as well.
      const small = await open(filler, "a");
      try {
        for (let i = 0; i < 4096; i++) await small.write(Buffer.alloc(1, 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      } finally {
        await small.close().catch(() => undefined);
      }
    },
    async free() {
      await rm(filler, { force: true });
    },
    async unmount() {
      await run("umount", [path]).catch(() => run("umount", ["-l", path]));
    },
  };
}
