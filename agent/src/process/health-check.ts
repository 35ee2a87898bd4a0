import type { Clock } from "./clock.js";
import { type LineListener, runCommand } from "./run-command.js";

/** Retry budget shared by both kinds of health check. */
export interface HealthTiming {
  /** Give up (and report unhealthy) once this much time has passed since the first attempt. */
  timeoutSeconds: number;
  /** Pause between attempts. */
  intervalSeconds: number;
}

/** `service.health` from the descriptor. */
export type HealthSpec = (HealthTiming & { command: string }) | (HealthTiming & { http: string });

export interface WaitHealthyDeps extends Clock {
  /** Release folder: resolves the health command and is its working directory. */
  cwd: string;
  signal?: AbortSignal;
  /** Output of health commands, for the agent's log. */
  onLine?: LineListener;
  /** Environment of a health command (default: the agent's own); issue 13: with the recipe env. */
  env?: NodeJS.ProcessEnv;
  /** Records the running health command's group (see `runCommand`). */
  pidFile?: string;
  /** Upper bound of one attempt; each attempt is also capped by the time left. */
  attemptTimeoutMs?: number;
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface HealthResult {
  healthy: boolean;
  reason: string;
  attempts: number;
}

export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;

interface Attempt {
  healthy: boolean;
  reason: string;
}

type Probe = (timeoutMs: number) => Promise<Attempt>;

/**
 * Waits until a freshly started service reports healthy or the budget runs out.
 *
 * The verdict decides between keeping a release and rolling back, so it must
 * always arrive: every attempt is bounded by the remaining budget, and the
 * loop stops at the deadline even if the service never answers.
 */
export async function waitHealthy(
  health: HealthSpec | undefined,
  deps: WaitHealthyDeps,
): Promise<HealthResult> {
  // No health check declared: the pack author says "started" is good enough.
  if (health === undefined)
    return { healthy: true, reason: "no health check declared", attempts: 0 };
  if (!(health.timeoutSeconds >= 0) || !(health.intervalSeconds >= 0)) {
    return { healthy: false, reason: "invalid health timing", attempts: 0 };
  }
  const probe = makeProbe(health, deps);
  if (typeof probe === "string") return { healthy: false, reason: probe, attempts: 0 };

  const intervalMs = health.intervalSeconds * 1000;
  const maxAttemptMs = deps.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  const deadline = deps.now() + health.timeoutSeconds * 1000;
  let attempts = 0;
  let last = "";
  for (;;) {
    if (deps.signal?.aborted) return { healthy: false, reason: "aborted", attempts };
    attempts++;
    const remaining = deadline - deps.now();
    const result = await probe(Math.max(1, Math.min(maxAttemptMs, remaining)));
    if (result.healthy) {
      return {
        healthy: true,
        reason: `healthy on attempt ${attempts}: ${result.reason}`,
        attempts,
      };
    }
    last = result.reason;
    if (deps.signal?.aborted) return { healthy: false, reason: "aborted", attempts };
    const left = deadline - deps.now();
    if (left <= 0) break;
    await deps.sleep(Math.min(intervalMs, left), deps.signal);
    // An attempt started at the deadline would have no time to run.
    if (deadline - deps.now() <= 0) break;
  }
  return {
    healthy: false,
    reason: `not healthy after ${health.timeoutSeconds} s (${attempts} attempts), last: ${last}`,
    attempts,
  };
}

/** Builds the single-attempt check, or returns why the spec cannot be checked. */
function makeProbe(health: HealthSpec, deps: WaitHealthyDeps): Probe | string {
  if ("command" in health) {
    return async (timeoutMs) => {
      const result = await runCommand({
        command: health.command,
        cwd: deps.cwd,
        timeoutMs,
        onLine: deps.onLine,
        signal: deps.signal,
        ...(deps.env === undefined ? {} : { env: deps.env }),
        ...(deps.pidFile === undefined ? {} : { pidFile: deps.pidFile }),
      });
      return { healthy: result.ok, reason: result.reason };
    };
  }
  let url: URL;
  try {
    url = new URL(health.http);
  } catch {
    return `invalid health URL: ${health.http}`;
  }
  // file:, data: and friends would turn the health check into a local file read.
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `unsupported health URL scheme: ${url.protocol}`;
  }
  const fetchImpl = deps.fetch ?? fetch;
  return (timeoutMs) => probeHttp(fetchImpl, url, timeoutMs, deps.signal);
}

async function probeHttp(
  fetchImpl: typeof fetch,
  url: URL,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Attempt> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchImpl(url, {
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      // A redirect is not a health answer; following it could also leave the service.
      redirect: "manual",
    });
    // Release the connection; the body carries no verdict.
    await response.body?.cancel().catch(() => {});
    return {
      healthy: response.status >= 200 && response.status < 300,
      reason: `HTTP ${response.status}`,
    };
  } catch (error) {
    if (timeout.aborted) return { healthy: false, reason: `no response within ${timeoutMs} ms` };
    return { healthy: false, reason: `request failed: ${describeFetchError(error)}` };
  }
}

function describeFetchError(error: unknown): string {
  // fetch wraps the interesting part ("ECONNREFUSED") in `cause`.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}
