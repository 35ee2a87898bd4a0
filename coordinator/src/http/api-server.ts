import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Result } from "@tillroll/protocol";
import type { ConsoleOperations } from "../operations/console-operations.js";
import { servePack } from "../packs/pack-http.js";
import type { PackStore } from "../packs/pack-store.js";
import { checkToken, HttpError, queryOf, readJson, sendJson, sendText } from "./http-utils.js";

export interface ApiServerDeps {
  operations: ConsoleOperations;
  packs: PackStore;
  operatorToken: string;
  uploadDir: string;
  /** Largest pack upload accepted. */
  maxUploadBytes: number;
  metrics: () => string;
  log: (message: string) => void;
}

type Handler = (req: IncomingMessage, url: URL) => Promise<{ status: number; body: unknown }>;

function reply<T>(result: Result<T>, status = 200): { status: number; body: unknown } {
  return result.ok
    ? { status, body: result.value }
    : { status: 400, body: { error: result.error } };
}

/**
 * The console API (`/api/*`, operator token required), pack downloads for
 * agents (`/packs/<sha256>.tgz`), `/healthz` and `/metrics`.
 */
export function createApiHandler(
  deps: ApiServerDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { operations } = deps;
  const who = (req: IncomingMessage) => `operator@${req.socket.remoteAddress ?? "?"}`;
  const routes: Record<string, Handler> = {
    "POST /api/workstations": async (req) => {
      const body = (await readJson(req)) as Record<string, unknown>;
      // `{workstations: [...]}` enrols many in one go (all or none); an object enrols one.
      if (Array.isArray(body.workstations))
        return reply(await operations.enrolMany(body.workstations, who(req)), 201);
      return reply(await operations.enrol(body, who(req)), 201);
    },
    "POST /api/packs": async (req) => {
      const path = await receiveUpload(req, deps.uploadDir, deps.maxUploadBytes);
      try {
        return reply(await operations.publishPack(path, who(req)), 201);
      } finally {
        await rm(path, { force: true });
      }
    },
    "GET /api/packs": async () => ({ status: 200, body: deps.packs.list() }),
    "GET /api/status": async (_req, url) => reply(operations.status(queryOf(url))),
    "GET /api/versions": async (_req, url) => reply(operations.versions(queryOf(url))),
    "POST /api/set-preferred": async (req) =>
      reply(
        await operations.setPreferred((await readJson(req)) as Record<string, unknown>, who(req)),
      ),
    "POST /api/retry": async (req) =>
      reply(await operations.retry((await readJson(req)) as Record<string, unknown>, who(req))),
    "GET /api/audit": async () => ({ status: 200, body: await operations.auditEntries() }),
  };

  return (req, res) => {
    handle(req, res).catch((error: Error) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500)
        deps.log(`http ${req.method} ${req.url}: ${error.stack ?? error.message}`);
      if (!res.headersSent) sendJson(res, status, { error: error.message });
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://coordinator");
    if (servePack(req, res, deps.packs)) return;
    if (url.pathname === "/healthz") return sendJson(res, 200, { ok: true });
    if (url.pathname === "/metrics")
      return sendText(res, 200, deps.metrics(), "text/plain; version=0.0.4");
    const route = routes[`${req.method} ${url.pathname}`];
    if (route === undefined)
      throw new HttpError(404, `no such endpoint: ${req.method} ${url.pathname}`);
    checkToken(req, deps.operatorToken);
    const { status, body } = await route(req, url);
    sendJson(res, status, body);
  }
}

/** Streams an upload to a temp file, refusing one over the cap without buffering it. */
async function receiveUpload(req: IncomingMessage, dir: string, maxBytes: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `upload-${randomBytes(6).toString("hex")}.tgz`);
  let size = 0;
  try {
    await pipeline(
      req,
      async function* (source) {
        for await (const chunk of source) {
          size += (chunk as Buffer).length;
          if (size > maxBytes) throw new HttpError(413, `pack upload is over ${maxBytes} bytes`);
          yield chunk;
        }
      },
      createWriteStream(path, { flags: "wx", mode: 0o600 }),
    );
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return path;
}
