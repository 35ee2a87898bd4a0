/**
 * Failure classification for downloads.
 *
 * Every error raised while downloading ends up as one of:
 * - {@link TransientError}: the network or server hiccuped; retry with backoff.
 * - {@link DefinitiveError}: retrying cannot help; discard the partial file.
 * - {@link RestartError}: the partial file cannot be resumed; discard it and
 *   retry immediately from byte 0.
 * - {@link AbortedError}: the caller's signal fired.
 */

/** Retry later. `retryAfterMs` carries a server's `Retry-After`, if any. */
export class TransientError extends Error {
  override readonly name = "TransientError";
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, { cause: options?.cause });
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** Do not retry; the message is the user-facing reason. */
export class DefinitiveError extends Error {
  override readonly name: string = "DefinitiveError";
}

/** The download's deadline passed while bytes were still coming in. */
export class DeadlineError extends DefinitiveError {
  override readonly name = "DeadlineError";
}

/** The existing partial file is unusable; start over from byte 0 without waiting. */
export class RestartError extends Error {
  override readonly name = "RestartError";
}

/** The caller aborted. */
export class AbortedError extends Error {
  override readonly name = "AbortedError";
}

/** Socket/DNS error codes that a shaky uplink produces and that may heal by themselves. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENETRESET",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EADDRNOTAVAIL",
  "ERR_STREAM_PREMATURE_CLOSE",
  "HPE_INVALID_CHUNK_SIZE",
  "HPE_INVALID_CONSTANT",
  "HPE_UNEXPECTED_CONTENT_LENGTH",
]);

/** Local filesystem trouble: retrying within the deadline will not fix it. */
const LOCAL_CODES: ReadonlySet<string> = new Set([
  "ENOSPC",
  "EDQUOT",
  "EACCES",
  "EPERM",
  "EROFS",
  "EISDIR",
  "ENOTDIR",
  "EMFILE",
  "ENFILE",
  "EIO",
]);

function errorCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/** Human-readable one-liner for logs and failure reasons, e.g. `connect ECONNREFUSED 127.0.0.1:80`. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = errorCode(err);
    const message = err.message || err.name;
    return code && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return String(err);
}

/** Maps any thrown value onto the failure classes above. */
export function classifyError(
  err: unknown,
): TransientError | DefinitiveError | RestartError | AbortedError {
  if (
    err instanceof TransientError ||
    err instanceof DefinitiveError ||
    err instanceof RestartError ||
    err instanceof AbortedError
  ) {
    return err;
  }
  const message = describeError(err);
  const code = errorCode(err);
  if (code !== undefined) {
    if (TRANSIENT_CODES.has(code)) return new TransientError(message, { cause: err });
    if (LOCAL_CODES.has(code)) return new DefinitiveError(`local I/O error: ${message}`);
    if (code.startsWith("ERR_TLS") || code.includes("CERT") || code.startsWith("ERR_SSL")) {
      return new DefinitiveError(`TLS error: ${message}`);
    }
    if (code.startsWith("ERR_INVALID") || code === "ERR_UNESCAPED_CHARACTERS") {
      return new DefinitiveError(message);
    }
    // Unknown errno-style codes are nearly always socket-level; let the deadline bound them.
    return new TransientError(message, { cause: err });
  }
  if (/socket hang up|aborted|timed? ?out/i.test(message)) {
    return new TransientError(message, { cause: err });
  }
  // Code-less errors are programming or environment errors; retrying would only hide them.
  return new DefinitiveError(message);
}

/** Parses `Retry-After` given in seconds (HTTP dates are ignored: the till clock may be off). */
export function parseRetryAfter(header: string | undefined): number | undefined {
  if (header === undefined || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number.parseInt(header, 10) * 1000;
}

/**
 * Classifies an HTTP status that is neither success nor handled specially
 * (206/200/416/redirects are handled by the caller).
 */
export function statusError(
  status: number,
  statusMessage: string | undefined,
  retryAfter: string | undefined,
): TransientError | DefinitiveError {
  const text = `HTTP ${status}${statusMessage ? ` ${statusMessage}` : ""}`;
  if (status === 429 || (status >= 500 && status <= 599)) {
    return new TransientError(text, { retryAfterMs: parseRetryAfter(retryAfter) });
  }
  return new DefinitiveError(text);
}
