import { execFile } from "node:child_process";

/**
 * Whether another process holds an exclusive flock(2) on `path`. Node has no
 * flock binding, so we ask util-linux's flock(1) to take a *shared* lock
 * without waiting: that conflicts only with the POS's exclusive lock and
 * never blocks the POS from taking its own lock a moment later.
 */
export function isLockHeld(path: string, flockBinary = "flock"): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile(
      flockBinary,
      ["--nonblock", "--shared", "--conflict-exit-code", "75", path, "true"],
      (error) => {
        if (error === null) return resolve(false);
        if ((error as { code?: unknown }).code === 75) return resolve(true);
        reject(new Error(`flock ${path} failed: ${error.message}`));
      },
    );
  });
}
