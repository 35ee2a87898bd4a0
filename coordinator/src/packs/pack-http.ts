// Serves published packs to agents: `GET|HEAD /packs/<sha256>.tgz`.
//
// Packs are content-addressed and immutable, so the answer for a URL never changes: a strong
// ETag (the hash) and long caching are safe, and an interrupted download can always resume
// with `Range: bytes=N-` (the agent's downloader does exactly that). Files are streamed from
// disk, never buffered whole.

import { type FileHandle, open } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream";
import { describeError, errorCode } from "./pack-file.js";
import type { PackRecord } from "./pack-record.js";

/** Every path under this prefix belongs to servePack. */
export const PACK_URL_PREFIX = "/packs/";

const PACK_PATH = /^\/packs\/([0-9a-f]{64})\.tgz$/;

/** The URL path agents download a pack from, e.g. for a desired-state document. */
export function packUrlPath(sha256: string): string {
  return `${PACK_URL_PREFIX}${sha256}.tgz`;
}

/** What servePack needs of the store (a PackStore). */
export interface PackSource {
  bySha256(sha256: string): PackRecord | undefined;
  filePath(sha256: string): string | undefined;
}

export interface ServePackOptions {
  /** Told about pack files that are missing or damaged, and read errors. */
  log?: (msg: string) => void;
}

/** A single byte range, inclusive at both ends. */
export type RangeRequest =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number }
  | { kind: "unsatisfiable" };

/**
 * Interprets a `Range` header for a file of `size` bytes. Handles one range: `bytes=N-`,
 * `bytes=N-M` and `bytes=-N` (the last N bytes). Anything else (several ranges, other units,
 * malformed) is ignored, as RFC 9110 allows: the whole file is sent.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: "full" };
  const m = /^bytes=(\d*)-(\d*)$/i.exec(header.trim());
  if (m === null) return { kind: "full" };
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return { kind: "full" };
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return { kind: "full" }; // invalid, not unsatisfiable
  if (start >= size) return { kind: "unsatisfiable" };
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: "partial", start, end };
}

/**
 * Answers `GET|HEAD /packs/<sha256>.tgz` from `store`: 200 with the whole file, 206 for one
 * satisfiable range, 416 for an unsatisfiable one, 404 for an unknown hash or a malformed name
 * under `/packs/`, 405 for other methods there. Returns false, without touching `res`, when
 * the URL is not under `/packs/`, so the caller can route the request elsewhere.
 */
export function servePack(
  req: IncomingMessage,
  res: ServerResponse,
  store: PackSource,
  options: ServePackOptions = {},
): boolean {
  const path = pathOf(req.url);
  if (path === undefined || !path.startsWith(PACK_URL_PREFIX)) return false;
  const log = options.log ?? (() => {});
  if (req.method !== "GET" && req.method !== "HEAD") {
    plain(res, 405, "method not allowed", { allow: "GET, HEAD" });
    return true;
  }
  const sha256 = PACK_PATH.exec(path)?.[1];
  const record = sha256 === undefined ? undefined : store.bySha256(sha256);
  const file = sha256 === undefined ? undefined : store.filePath(sha256);
  if (record === undefined || file === undefined) {
    plain(res, 404, "no such pack");
    return true;
  }
  sendFile(req, res, record, file, log).catch((error: unknown) => {
    log(`${file}: serving failed: ${describeError(error)}`);
    if (!res.headersSent) plain(res, 500, "cannot read the pack");
    else res.destroy();
  });
  return true;
}

async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  record: PackRecord,
  file: string,
  log: (msg: string) => void,
): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    log(`${file} (${record.name} ${record.version}): cannot open: ${describeError(error)}`);
    return plain(res, 404, "no such pack");
  }
  let streaming = false;
  try {
    const { size } = await handle.stat();
    if (size !== record.size) {
      log(`${file}: ${size} bytes on disk, the index says ${record.size}; not served`);
      return plain(res, 500, "pack file damaged");
    }
    const etag = `"${record.sha256}"`;
    const ifRange = req.headers["if-range"];
    // Range is defined for GET only; an If-Range that does not match asks for the whole file.
    const useRange = req.method === "GET" && (ifRange === undefined || ifRange === etag);
    const range = useRange ? parseRange(req.headers.range, size) : { kind: "full" as const };
    const common = {
      "accept-ranges": "bytes",
      etag,
      "cache-control": "public, max-age=31536000, immutable",
    };
    if (range.kind === "unsatisfiable") {
      return plain(res, 416, "range not satisfiable", {
        ...common,
        "content-range": `bytes */${size}`,
      });
    }
    const start = range.kind === "partial" ? range.start : 0;
    const end = range.kind === "partial" ? range.end : size - 1;
    res.writeHead(range.kind === "partial" ? 206 : 200, {
      ...common,
      "content-type": "application/gzip",
      "content-length": String(end - start + 1),
      ...(range.kind === "partial" ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === "HEAD" || size === 0) {
      res.end();
      return;
    }
    const body = handle.createReadStream({ start, end, autoClose: true });
    streaming = true;
    pipeline(body, res, (error) => {
      // A client that hangs up mid-download is routine (it resumes later); the rest is news.
      if (error && errorCode(error) !== "ERR_STREAM_PREMATURE_CLOSE") {
        log(`${file}: streaming failed: ${describeError(error)}`);
      }
    });
  } finally {
    if (!streaming) await handle.close().catch(() => {});
  }
}

/** The path of the request target, undecoded and unnormalised (so `/packs/../x` stays ours). */
function pathOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (url.startsWith("/")) return url.split(/[?#]/, 1)[0];
  try {
    return new URL(url).pathname; // absolute-form, as sent to proxies
  } catch {
    return undefined;
  }
}

function plain(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const body = `${text}\n`;
  res.writeHead(status, {
    ...headers,
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(res.req?.method === "HEAD" ? undefined : body);
}
