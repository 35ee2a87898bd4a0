/**
 * Test fixtures for the downloader: a scriptable HTTP server on 127.0.0.1:0,
 * a fake clock/sleep pair and temporary directories.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SeenRequest {
  index: number;
  path: string;
  range: string | undefined;
}

export interface HandlerContext extends SeenRequest {
  req: IncomingMessage;
  res: ServerResponse;
}

export type Handler = (ctx: HandlerContext) => void;

export interface TestServer {
  /** Absolute URL of `path` on this server. */
  url: (path?: string) => string;
  /** Every request received, in order. */
  requests: SeenRequest[];
  close: () => Promise<void>;
}

/** Starts a server on 127.0.0.1:0; with `tls` it speaks HTTPS. */
export async function startServer(
  handler: Handler,
  tls?: { cert: string; key: string },
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const listener: RequestListener = (req, res) => {
    const seen: SeenRequest = {
      index: requests.length,
      path: req.url ?? "/",
      range: req.headers.range,
    };
    requests.push(seen);
    handler({ ...seen, req, res });
  };
  const server: Server =
    tls === undefined ? createServer(listener) : createHttpsServer(tls, listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = "/file") => `${tls === undefined ? "http" : "https"}://127.0.0.1:${port}${path}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (connections are refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/file`;
}

export interface ServeOptions {
  /** Answer 200 with the whole body even when a Range was asked for. */
  ignoreRange?: boolean;
  /** Send this many body bytes, then destroy the connection. */
  dropAfter?: number;
  /** Send this many body bytes, then go silent (connection stays open). */
  stallAfter?: number;
  /** Omit Content-Length (chunked transfer encoding). */
  chunked?: boolean;
  /** Trickle the body in pieces of this size with `chunkDelayMs` between them. */
  chunkSize?: number;
  chunkDelayMs?: number;
}

/** Serves `body` honouring `Range: bytes=N-` (206 / 416) unless told otherwise. */
export function serve(ctx: HandlerContext, body: Buffer, opts: ServeOptions = {}): void {
  const { res } = ctx;
  const m = ctx.range === undefined ? null : /^bytes=(\d+)-$/.exec(ctx.range);
  let slice = body;
  if (m !== null && !opts.ignoreRange) {
    const start = Number(m[1]);
    if (start >= body.length) {
      res.writeHead(416, { "content-range": `bytes */${body.length}` });
      res.end();
      return;
    }
    slice = body.subarray(start);
    res.statusCode = 206;
    res.setHeader("content-range", `bytes ${start}-${body.length - 1}/${body.length}`);
  } else {
    res.statusCode = 200;
  }
  res.setHeader("accept-ranges", "bytes");
  if (!opts.chunked) res.setHeader("content-length", String(slice.length));

  if (opts.dropAfter !== undefined) {
    res.flushHeaders();
    res.write(slice.subarray(0, opts.dropAfter), () => res.socket?.destroy());
    return;
  }
  if (opts.stallAfter !== undefined) {
    res.flushHeaders();
    res.write(slice.subarray(0, opts.stallAfter));
    return;
  }
  if (opts.chunkSize !== undefined) {
    trickle(res, slice, opts.chunkSize, opts.chunkDelayMs ?? 1);
    return;
  }
  if (opts.chunked) {
    // A write before end() forces chunked encoding (end(data) alone sets Content-Length).
    res.write(slice);
    res.end();
    return;
  }
  res.end(slice);
}

function trickle(res: ServerResponse, data: Buffer, size: number, delayMs: number): void {
  let offset = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (offset >= data.length) {
      res.end();
      return;
    }
    const piece = data.subarray(offset, offset + size);
    offset += piece.length;
    res.write(piece, () => setTimeout(next, delayMs));
  };
  next();
}

/** Plain status answer (e.g. 404, 503) with an optional header set. */
export function status(
  ctx: HandlerContext,
  code: number,
  headers: Record<string, string> = {},
): void {
  ctx.res.writeHead(code, headers);
  ctx.res.end(`status ${code}\n`);
}

export interface FakeClock {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Every sleep requested, in order. */
  sleeps: number[];
  advance: (ms: number) => void;
}

/** Clock that only moves when slept on (or advanced): retries run instantly. */
export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface Pack {
  body: Buffer;
  sha256: string;
  size: number;
}

export function makePack(size: number): Pack {
  const body = randomBytes(size);
  return { body, sha256: sha256Of(body), size };
}

export function sha256Of(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export interface TempDir {
  path: string;
  file: (name: string) => string;
  remove: () => Promise<void>;
}

export async function tempDir(): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), "tillroll-download-"));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** Resolves once `predicate` holds, polling every few ms (fails after `timeoutMs`). */
export async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error("waitFor: timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
