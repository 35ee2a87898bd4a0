/**
 * One download attempt: a single GET (following redirects) that resumes at
 * the end of the existing `.part` file and streams the body into it through
 * SHA-256.
 *
 * Uses `node:http`/`node:https` directly for control over `Range`, streaming
 * back-pressure and the idle timeout. `node:https` (and TLS under it) is
 * imported on the first https:// download only: an agent whose packs come
 * over http never loads it (about 2 MB less resident at idle,
 * test/bench/README.md, footprint). Throws the classes from `errors.ts`
 * (or raw socket/fs errors, which `classifyError` maps).
 */
import { open } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { BodyReader } from "./body-reader.js";
import {
  AbortedError,
  DeadlineError,
  DefinitiveError,
  RestartError,
  statusError,
  TransientError,
} from "./errors.js";
import { emptyPrefix, type HashedPrefix } from "./part-file.js";
import { MAX_REDIRECTS } from "./types.js";

const USER_AGENT = "tillroll-agent";
/** Largest delay setTimeout accepts; longer values would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export interface AttemptInput {
  url: URL;
  partPath: string;
  /** Bytes already in the part file (hashed); the request resumes after them. */
  prefix: HashedPrefix;
  size: number;
  idleTimeoutMs: number;
  /**
   * Time left before the download's deadline, asked when each request is
   * sent: the transfer is cut off when it runs out, however steadily the
   * bytes trickle in (1 byte every 3 s never trips the idle timeout).
   */
  timeLeftMs: () => number;
  signal?: AbortSignal | undefined;
  ca?: string | undefined;
  /** Total bytes now in the part file, after every write. */
  onBytes: (bytes: number) => void;
  log: (msg: string) => void;
}

/** Parses an `http:`/`https:` URL (relative to `base` for redirects); anything else is definitive. */
export function parseDownloadUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new DefinitiveError(`invalid URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DefinitiveError(`unsupported URL scheme: ${url.protocol}`);
  }
  return url;
}

/**
 * Runs one attempt. Resolves with the part's final hashed prefix once the
 * server finished the body (its length is *not* checked against `size`
 * beyond "never more than `size`": the caller verifies).
 */
export async function fetchIntoPart(input: AttemptInput): Promise<HashedPrefix> {
  const exchange = await openFollowingRedirects(input);
  try {
    const start = startOfBody(exchange.res, input.prefix.bytes, input.size, input.log);
    const prefix = start === 0 ? emptyPrefix() : input.prefix;
    return await streamBody(exchange, input, prefix);
  } finally {
    exchange.close();
  }
}

/** A request whose response headers have arrived. */
interface Exchange {
  res: IncomingMessage;
  /** Attached as soon as the headers arrive, so no received byte is lost. */
  body: BodyReader;
  /** Why we tore the request down ourselves (idle timeout, abort), if we did. */
  failure: () => Error | undefined;
  close: () => void;
}

async function openFollowingRedirects(input: AttemptInput): Promise<Exchange> {
  let url = input.url;
  for (let hop = 0; ; hop++) {
    const exchange = await sendRequest(url, input);
    const status = exchange.res.statusCode ?? 0;
    const location = exchange.res.headers.location;
    if (!REDIRECT_STATUSES.has(status) || location === undefined) return exchange;
    exchange.close();
    if (hop >= MAX_REDIRECTS) {
      throw new DefinitiveError(`too many redirects (more than ${MAX_REDIRECTS})`);
    }
    url = parseDownloadUrl(location, url);
    input.log(`download: HTTP ${status} redirect to ${url.origin}${url.pathname}`);
  }
}

async function sendRequest(url: URL, input: AttemptInput): Promise<Exchange> {
  const secure = url.protocol === "https:";
  const request = secure ? (await import("node:https")).request : httpRequest;
  return new Promise((resolve, reject) => {
    const { signal, idleTimeoutMs } = input;
    if (signal?.aborted) {
      reject(new AbortedError(abortReason(signal)));
      return;
    }
    const offset = input.prefix.bytes;
    const headers: Record<string, string> = {
      "accept-encoding": "identity",
      "user-agent": USER_AGENT,
    };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    // A fresh connection per attempt: a pooled socket is likely dead after an uplink hiccup.
    const options: RequestOptions = { method: "GET", headers, agent: false };
    const req = request(
      url,
      secure && input.ca !== undefined ? { ...options, ca: input.ca } : options,
    );

    let failure: Error | undefined;
    const fail = (err: Error): void => {
      failure ??= err;
      req.destroy(err);
    };
    const onAbort = (): void => fail(new AbortedError(abortReason(signal)));
    signal?.addEventListener("abort", onAbort, { once: true });
    // Socket inactivity, covering connect, waiting for headers and gaps in the body.
    req.setTimeout(idleTimeoutMs, () =>
      fail(new TransientError(`no data received for ${idleTimeoutMs} ms`)),
    );
    const deadline = setTimeout(
      () => fail(new DeadlineError("deadline passed during the transfer")),
      Math.min(Math.max(0, input.timeLeftMs()), MAX_TIMER_MS),
    );

    let response: IncomingMessage | undefined;
    const close = (): void => {
      clearTimeout(deadline);
      signal?.removeEventListener("abort", onAbort);
      response?.destroy();
      req.destroy();
    };
    req.on("error", (err) => {
      close();
      reject(failure ?? err);
    });
    req.once("response", (res) => {
      response = res;
      resolve({ res, body: new BodyReader(res), failure: () => failure, close });
    });
    req.end();
  });
}

/**
 * Interprets the status line and headers. Returns the byte offset at which
 * the body starts (the resume offset, or 0 when starting over) or throws.
 */
function startOfBody(
  res: IncomingMessage,
  offset: number,
  size: number,
  log: (msg: string) => void,
): number {
  const status = res.statusCode ?? 0;
  if (status === 206) {
    const range = parseContentRange(res.headers["content-range"]);
    if (range === undefined || range.start !== offset) {
      const got = range === undefined ? "without a valid Content-Range" : `at byte ${range.start}`;
      const why = `server answered HTTP 206 ${got}, expected byte ${offset}`;
      // With no Range sent there is nothing to discard, so retrying cannot help.
      if (offset === 0) throw new DefinitiveError(why);
      throw new RestartError(why);
    }
    if (range.total !== undefined && range.total !== size) throw lengthAnnounced(size, range.total);
    checkContentLength(res, offset, size);
    return offset;
  }
  if (status === 200) {
    if (offset > 0) log(`download: server ignored Range (HTTP 200); restarting from byte 0`);
    checkContentLength(res, 0, size);
    return 0;
  }
  if (status === 416 && offset > 0) {
    throw new RestartError(`server rejected resume at byte ${offset} (HTTP 416)`);
  }
  const retryAfter = res.headers["retry-after"];
  throw statusError(status, res.statusMessage, retryAfter);
}

function checkContentLength(res: IncomingMessage, start: number, size: number): void {
  const header = res.headers["content-length"];
  if (header === undefined || !/^\d+$/.test(header)) return;
  const total = start + Number.parseInt(header, 10);
  if (total !== size) throw lengthAnnounced(size, total);
}

function lengthAnnounced(size: number, total: number): DefinitiveError {
  return new DefinitiveError(
    total > size
      ? `length mismatch: more than ${size} bytes (server announced ${total})`
      : `length mismatch: expected ${size} bytes, server announced ${total}`,
  );
}

function parseContentRange(
  header: string | undefined,
): { start: number; total: number | undefined } | undefined {
  const m = header === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim());
  if (m === null) return undefined;
  const total = m[3] === "*" ? undefined : Number(m[3]);
  return { start: Number(m[1]), total };
}

/** Appends (or, from byte 0, rewrites) the part file while hashing; never beyond `size`. */
async function streamBody(
  exchange: Exchange,
  input: AttemptInput,
  prefix: HashedPrefix,
): Promise<HashedPrefix> {
  const handle = await open(input.partPath, prefix.bytes === 0 ? "w" : "a");
  try {
    for (;;) {
      const buf = await exchange.body.next();
      if (buf === undefined) break;
      if (prefix.bytes + buf.length > input.size) {
        throw new DefinitiveError(`length mismatch: more than ${input.size} bytes`);
      }
      let written = 0;
      while (written < buf.length) {
        const r = await handle.write(buf, written, buf.length - written);
        written += r.bytesWritten;
      }
      prefix.hash.update(buf);
      prefix.bytes += buf.length;
      input.onBytes(prefix.bytes);
    }
    return prefix;
  } catch (err) {
    throw exchange.failure() ?? err;
  } finally {
    await handle.close();
  }
}

function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason.message || reason.name;
  return reason === undefined ? "aborted" : String(reason);
}
