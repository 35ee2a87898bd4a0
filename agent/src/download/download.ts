/**
 * `downloadVerified`: the retry loop around single download attempts.
 *
 * - Short-circuits when `destPath` already holds the right bytes.
 * - Resumes from `destPath + ".part"` (hashing what is there first).
 * - Retries transient failures with jittered exponential backoff until the
 *   deadline; restarts from byte 0 without waiting when the part cannot be
 *   resumed.
 * - Verifies length and SHA-256, then fsyncs and renames into place.
 * - Definitive failures delete the part; aborts keep it.
 */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import {
  AbortedError,
  classifyError,
  DeadlineError,
  DefinitiveError,
  describeError,
  RestartError,
  TransientError,
} from "./errors.js";
import { fetchIntoPart, parseDownloadUrl } from "./http-attempt.js";
import { commitPart, fileMatches, loadPart, removeQuietly } from "./part-file.js";
import { ProgressThrottle } from "./progress.js";
import { planRetry } from "./retry-policy.js";
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  type DownloadDeps,
  type DownloadRequest,
  type DownloadResult,
} from "./types.js";

export type {
  BackoffOptions,
  DownloadDeps,
  DownloadProgress,
  DownloadRequest,
  DownloadResult,
} from "./types.js";

/** Per-call state shared by the helpers below. */
interface Context {
  req: DownloadRequest;
  deps: DownloadDeps;
  partPath: string;
  log: (msg: string) => void;
}

/** Downloads `req.url` to `req.destPath`, verified against `req.size` and `req.sha256`. */
export async function downloadVerified(
  req: DownloadRequest,
  deps: DownloadDeps,
): Promise<DownloadResult> {
  const ctx: Context = {
    req,
    deps,
    partPath: `${req.destPath}.part`,
    log: deps.log ?? (() => undefined),
  };
  try {
    return await run(ctx);
  } catch (err) {
    if (deps.signal?.aborted) return aborted(ctx);
    // Anything escaping `run` is local (fs) trouble or a bug: not worth retrying.
    return definitive(ctx, classifyError(err).message);
  }
}

async function run(ctx: Context): Promise<DownloadResult> {
  const { req, deps, partPath, log } = ctx;
  const invalid = validate(req);
  if (invalid !== undefined) return definitive(ctx, invalid);
  const url = parseDownloadUrl(req.url);
  const expected = req.sha256.toLowerCase();
  const progress = new ProgressThrottle(req.size, deps.now, deps.onProgress, log);
  if (deps.signal?.aborted) return aborted(ctx);

  await mkdir(dirname(req.destPath), { recursive: true });
  if (await fileMatches(req.destPath, req.size, expected)) {
    log(`download: ${req.destPath} already present and verified`);
    progress.complete();
    return { ok: true, path: req.destPath };
  }

  let attempts = 0;
  let lastError = "no attempt made";
  for (;;) {
    if (deps.signal?.aborted) return aborted(ctx);
    if (deps.now() >= req.deadline) {
      return definitive(ctx, `deadline passed after ${attempts} attempts: ${lastError}`);
    }

    const prefix = await loadPart(partPath, req.size, log);
    if (prefix.bytes === req.size) {
      // A complete part left over (e.g. a crash before the rename): no request needed.
      if (prefix.hash.copy().digest("hex") === expected) {
        await commitPart(partPath, req.destPath);
        progress.complete();
        return { ok: true, path: req.destPath };
      }
      log(`download: complete ${partPath} does not verify; discarding`);
      await removeQuietly(partPath);
      continue;
    }
    if (prefix.bytes > 0) log(`download: resuming ${req.destPath} at byte ${prefix.bytes}`);
    progress.update(prefix.bytes);

    attempts++;
    let received = prefix.bytes;
    try {
      const result = await fetchIntoPart({
        url,
        partPath,
        prefix,
        size: req.size,
        idleTimeoutMs: deps.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
        timeLeftMs: () => req.deadline - deps.now(),
        signal: deps.signal,
        ca: deps.tls?.ca,
        onBytes: (bytes) => {
          received = bytes;
          progress.update(bytes);
        },
        log,
      });
      if (result.bytes !== req.size) {
        return definitive(ctx, `length mismatch: expected ${req.size} bytes, got ${result.bytes}`);
      }
      const actual = result.hash.digest("hex");
      if (actual !== expected) {
        return definitive(ctx, `sha256 mismatch: expected ${expected}, got ${actual}`);
      }
      await commitPart(partPath, req.destPath);
      progress.complete();
      log(`download: ${req.destPath} verified after ${attempts} attempt(s)`);
      return { ok: true, path: req.destPath };
    } catch (err) {
      if (deps.signal?.aborted) return aborted(ctx);
      const failure = classifyError(err);
      if (failure instanceof AbortedError) return aborted(ctx);
      if (failure instanceof DeadlineError) {
        const got = `${received} of ${req.size} bytes received`;
        return definitive(ctx, `deadline passed during attempt ${attempts} (${got})`);
      }
      if (failure instanceof DefinitiveError) return definitive(ctx, failure.message);
      lastError = failure.message;
      if (failure instanceof RestartError) {
        // The next attempt sends no Range, so this cannot repeat without a transient failure between.
        log(`download: ${failure.message}; discarding ${partPath} and starting over`);
        await removeQuietly(partPath);
        continue;
      }
      const plan = planRetry({
        attempt: attempts,
        now: deps.now(),
        deadline: req.deadline,
        random: deps.random ?? Math.random,
        retryAfterMs: failure instanceof TransientError ? failure.retryAfterMs : undefined,
        backoff: deps.backoff,
      });
      if (!plan.retry) {
        return definitive(ctx, `deadline passed after ${attempts} attempts: ${lastError}`);
      }
      log(`download: attempt ${attempts} failed (${lastError}); retrying in ${plan.delayMs} ms`);
      try {
        await deps.sleep(plan.delayMs, deps.signal);
      } catch (sleepErr) {
        if (deps.signal?.aborted) return aborted(ctx);
        throw sleepErr;
      }
    }
  }
}

/** Definitive failure: the caller discards the download, so the part goes too. */
async function definitive(ctx: Context, reason: string): Promise<DownloadResult> {
  ctx.log(`download: giving up on ${ctx.req.destPath}: ${reason}`);
  // With an empty destPath the part name would be a bare ".part" in the cwd: leave that alone.
  if (ctx.req.destPath === "") return { ok: false, kind: "definitive", reason };
  try {
    await removeQuietly(ctx.partPath);
  } catch (err) {
    ctx.log(`download: could not delete ${ctx.partPath}: ${describeError(err)}`);
  }
  return { ok: false, kind: "definitive", reason };
}

/** Abort: the part stays for a later resume. */
function aborted(ctx: Context): DownloadResult {
  const reason: unknown = ctx.deps.signal?.reason;
  const detail =
    reason === undefined
      ? ""
      : `: ${reason instanceof Error ? reason.message || reason.name : String(reason)}`;
  ctx.log(`download: ${ctx.req.destPath} aborted; keeping ${ctx.partPath}`);
  return { ok: false, kind: "aborted", reason: `aborted${detail}` };
}

/** Returns why the request is unusable, if it is. */
function validate(req: DownloadRequest): string | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(req.sha256)) return `invalid sha256: ${JSON.stringify(req.sha256)}`;
  if (!Number.isSafeInteger(req.size) || req.size < 0) return `invalid size: ${req.size}`;
  if (req.destPath === "") return "empty destPath";
  if (!Number.isFinite(req.deadline)) return `invalid deadline: ${req.deadline}`;
  return undefined;
}
