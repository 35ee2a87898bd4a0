/**
 * Public types of the verified pack downloader.
 *
 * The downloader fetches one content-addressed file (a software pack) over
 * HTTP(S), resumes interrupted transfers with `Range`, verifies length and
 * SHA-256, and only then moves it into place. Everything time-related comes in
 * through {@link DownloadDeps} so callers (and tests) control the clock.
 */

/** What to download and where to put it. */
export interface DownloadRequest {
  /** `http:` or `https:` URL of the pack. */
  url: string;
  /** Expected SHA-256 of the whole file, hex (case-insensitive). */
  sha256: string;
  /** Expected length of the whole file in bytes. */
  size: number;
  /** Final location, e.g. `<state>/downloads/<sha256>.tgz`; `destPath + ".part"` holds partial data. */
  destPath: string;
  /** Give up retrying once `deps.now()` reaches this (epoch ms, same clock as `deps.now`). */
  deadline: number;
}

/** Progress report; `percent` is an integer 0..100 and only reaches 100 when all bytes are in. */
export interface DownloadProgress {
  bytes: number;
  size: number;
  percent: number;
}

/** Tuning of the retry delay; see `retry-policy.ts`. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter (default 1 000 ms). */
  baseMs?: number;
  /** Upper bound of the delay before jitter (default 60 000 ms). */
  maxMs?: number;
}

/** Injected environment of a download. */
export interface DownloadDeps {
  /** Clock (epoch ms) used for the deadline and progress throttling. */
  now: () => number;
  /** Sleeps between retries; should reject or resolve early when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called at most twice per second (by `now`) plus once at 100 %. */
  onProgress?: (p: DownloadProgress) => void;
  log?: (msg: string) => void;
  /** Jitter source in [0, 1); defaults to `Math.random`. */
  random?: () => number;
  /** Aborting keeps the `.part` file for a later resume. */
  signal?: AbortSignal;
  /** Extra trust anchors (PEM) for `https:` URLs. */
  tls?: { ca?: string };
  /** A transfer that receives no bytes for this long is a transient failure (default 30 000 ms). */
  idleTimeoutMs?: number;
  /** Retry delay tuning. */
  backoff?: BackoffOptions;
}

/**
 * Outcome of a download.
 * - `ok`: `path` (= `destPath`) holds exactly the requested bytes.
 * - `definitive`: retrying will not help (or the deadline passed); the `.part` was deleted.
 * - `aborted`: `deps.signal` fired; the `.part` was kept for a later resume.
 */
export type DownloadResult =
  | { ok: true; path: string }
  | { ok: false; kind: "definitive"; reason: string }
  | { ok: false; kind: "aborted"; reason: string };

/** Default for {@link DownloadDeps.idleTimeoutMs}. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** Redirect hops followed per attempt before giving up. */
export const MAX_REDIRECTS = 5;
