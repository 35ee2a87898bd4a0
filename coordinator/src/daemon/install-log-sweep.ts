import type { InstallLogStore } from "../store/install-log-store.js";
import type { Closers } from "./closers.js";

const SWEEP_EVERY_MS = 6 * 3_600_000;

/**
 * Retention by days for install-log rows no line reaches any more: a sweep
 * at start (in the background) and every 6 hours; the timer stops on close.
 */
export function scheduleInstallLogSweep(
  installLogs: InstallLogStore,
  log: (message: string) => void,
  closers: Closers,
): void {
  const sweep = () =>
    void installLogs
      .sweep()
      .catch((error: Error) => log(`install logs not swept: ${error.message}`));
  sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  closers.push(async () => clearInterval(timer));
}
