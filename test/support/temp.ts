import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Scratch directories and ports for end-to-end tests. Every test gets its own
 * directory (agents keep journals and releases there, so sharing one would let
 * a test see another's state) and removes it in `cleanup()`.
 */

export interface TempDir {
  path: string;
  /** Removes the directory and everything below it; safe to call twice. */
  cleanup(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  // The prefix names the test in `ls /tmp`, which helps when one leaks.
  const path = await mkdtemp(join(tmpdir(), `tillroll-${prefix.replace(/[^A-Za-z0-9_-]/g, "_")}-`));
  return {
    path,
    async cleanup() {
      // maxRetries: a just-killed child process may still hold a file open for
      // a moment, which makes rm fail with EBUSY / ENOTEMPTY on a busy machine.
      await rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

/**
 * A TCP port that was free a moment ago on 127.0.0.1. Prefer listening on
 * port 0 directly; use this only when a port must be known before the server
 * starts (e.g. to write it into an agent config first).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close((error) => {
        if (error) reject(error);
        else if (port === 0) reject(new Error("could not read the port of a probe listener"));
        else resolve(port);
      });
    });
  });
}
