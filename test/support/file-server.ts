import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { withTimeout } from "./wait.js";

/**
 * A static HTTP server on 127.0.0.1 for pack downloads, with byte ranges
 * (RFC 9110 §14) so the agent's resumable download is tested against real
 * 206 answers. Every request is recorded, so a test can check that a resume
 * asked for the right range.
 */

export interface ServeOptions {
  /**
   * Cut the connection after this many body bytes, for the first `cutTimes`
   * requests (default 1): a download interrupted mid-way, as on a store's
   * flaky uplink.
   */
  cutAfterBytes?: number;
  cutTimes?: number;
}

export interface FileServer {
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** Serves `filePath` at `/<name>` and returns its URL. Serving a name again replaces it. */
  serve(name: string, filePath: string, options?: ServeOptions): string;
  /** Every request, in arrival order. */
  requests: Array<{ url: string; range?: string }>;
  stop(): Promise<void>;
}

interface Entry {
  filePath: string;
  cutAfterBytes?: number;
  cutsLeft: number;
}

type Range = { start: number; end: number } | "unsatisfiable" | undefined;

/** One `bytes=` range (the agent never asks for several); undefined: serve the whole file. */
export function parseRange(header: string | undefined, size: number): Range {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // A malformed or multi-range header is ignored, as RFC 9110 allows: 200 with all bytes.
  if (match === null) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

async function answer(req: IncomingMessage, res: ServerResponse, entry: Entry | undefined) {
  if (entry === undefined) {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    return;
  }
  const { size } = await stat(entry.filePath);
  const range = parseRange(req.headers.range, size);
  if (range === "unsatisfiable") {
    res.writeHead(416, { "content-range": `bytes */${size}` }).end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const headers: Record<string, string | number> = {
    "accept-ranges": "bytes",
    "content-type": "application/gzip",
    "content-length": end - start + 1,
  };
  if (range !== undefined) headers["content-range"] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range === undefined ? 200 : 206, headers);
  if (req.method === "HEAD" || size === 0) {
    res.end();
    return;
  }
  let cutAt: number | undefined;
  if (entry.cutAfterBytes !== undefined && entry.cutsLeft > 0) {
    entry.cutsLeft--;
    cutAt = Math.min(end, start + entry.cutAfterBytes - 1);
  }
  const stream = createReadStream(entry.filePath, { start, end: cutAt ?? end });
  stream.on("error", () => res.destroy());
  if (cutAt === undefined) {
    stream.pipe(res);
    return;
  }
  // Send the first bytes, then drop the socket without finishing the body.
  stream.on("data", (chunk) => res.write(chunk));
  stream.on("end", () => setImmediate(() => res.destroy()));
}

export async function startFileServer(): Promise<FileServer> {
  const files = new Map<string, Entry>();
  const requests: FileServer["requests"] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    requests.push(req.headers.range === undefined ? { url } : { url, range: req.headers.range });
    let name = "";
    try {
      name = decodeURIComponent(new URL(url, "http://localhost").pathname.slice(1));
    } catch {
      // A malformed escape is a 404 below, not a crash of the test process.
    }
    answer(req, res, files.get(name)).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  const listening = new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
  const port = await withTimeout(listening, 5_000, "file server listening");
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    requests,
    serve(name, filePath, options = {}) {
      const entry: Entry = { filePath, cutsLeft: options.cutTimes ?? 1 };
      if (options.cutAfterBytes !== undefined) entry.cutAfterBytes = options.cutAfterBytes;
      files.set(name, entry);
      return `${baseUrl}/${encodeURIComponent(name)}`;
    },
    async stop() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Downloads in flight (or keep-alive sockets) would hold close() open.
      server.closeAllConnections();
      await withTimeout(closed, 5_000, "file server closing");
    },
  };
}
