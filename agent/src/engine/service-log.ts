import type { Reporter } from "./reporter.js";
import type { StateStore } from "./state-store.js";

/**
 * Steps during which the new service's own output belongs to the update's
 * install log: start to commit, and a hand-over's start-next to promote
 * (where the old instance's lines, under the same function, come along).
 */
const LOGGED_STEPS: ReadonlySet<string> = new Set([
  "start",
  "verify",
  "commit",
  "start-next",
  "verify-next",
  "promote",
]);

/** Service output lines copied per request; past it one line says the rest was not. */
export const MAX_SERVICE_LOG_LINES = 500;

/**
 * Copies a supervised service's stdout/stderr lines into the install log
 * (source `service`) while its update is between `start` and `commit`: what
 * the new version said while it came up is what an operator reads when its
 * health check fails. Outside an update the output is the service's own
 * business (the agent's log only). Bounded per request: a chatty service
 * must not flood the `log` topic.
 */
export function serviceOutputForwarder(
  store: StateStore,
  reporter: Pick<Reporter, "installLog">,
): (fn: string, line: string, stream: "stdout" | "stderr") => void {
  const counts = new Map<string, number>();
  return (fn, line, stream) => {
    const job = store.state.services[fn]?.job;
    if (job == null || !LOGGED_STEPS.has(job.step)) return;
    const key = `${fn}\u0000${job.requestId}`;
    const count = (counts.get(key) ?? 0) + 1;
    // One request's count is all we need: older requests are over.
    if (count === 1)
      for (const other of counts.keys()) if (other.startsWith(`${fn}\u0000`)) counts.delete(other);
    counts.set(key, count);
    if (count > MAX_SERVICE_LOG_LINES + 1) return;
    const base = { function: fn, version: job.toVersion, requestId: job.requestId };
    const entry =
      count === MAX_SERVICE_LOG_LINES + 1
        ? {
            ...base,
            level: "warn" as const,
            source: "agent" as const,
            stream: null,
            line: `more service output not logged (over ${MAX_SERVICE_LOG_LINES} lines)`,
          }
        : {
            ...base,
            level: stream === "stderr" ? ("warn" as const) : ("info" as const),
            source: "service" as const,
            stream,
            line,
          };
    reporter.installLog(entry).catch(() => undefined);
  };
}
