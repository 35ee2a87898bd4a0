import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { ok, type Result } from "@tillroll/protocol";
import { parseBody, parseQuery } from "../api/parse-request.js";
import {
  API_ROUTES,
  findRoute,
  type ParsedBody,
  type ParsedQuery,
  type RouteName,
  type RouteSpec,
} from "../api/routes.js";
import type { ConsoleOperations } from "../operations/console-operations.js";
import type { PackAdmin } from "../operations/pack-admin.js";
import type { WorkstationAdmin } from "../operations/workstation-admin.js";
import { servePack } from "../packs/pack-http.js";
import type { PackStore } from "../packs/pack-store.js";
import { checkToken, HttpError, readJson, sendJson, sendText } from "./http-utils.js";

export interface ApiServerDeps {
  operations: ConsoleOperations;
  workstations: WorkstationAdmin;
  packAdmin: PackAdmin;
  packs: PackStore;
  operatorToken: string;
  uploadDir: string;
  /** Largest pack upload accepted. */
  maxUploadBytes: number;
  metrics: () => string;
  log: (message: string) => void;
}

/** What a route's handler gets: its parsed query and body (`unknown` for routes without one). */
interface Parsed<N extends RouteName> {
  req: IncomingMessage;
  query: ParsedQuery<N>;
  body: N extends JsonBodyRoute ? ParsedBody<N> : undefined;
}
type JsonBodyRoute =
  | "enrol"
  | "setPreferred"
  | "retry"
  | "withdrawPack"
  | "removeWorkstation"
  | "rekeyWorkstation";
type Handlers = { [N in RouteName]: (input: Parsed<N>) => Promise<Result<unknown>> };

/**
 * The console API (`/api/*`, operator token required), pack downloads for
 * agents (`/packs/<sha256>.tgz`), `/healthz` and `/metrics`. Routes, their
 * auth and the schemas their queries and bodies are parsed with come from
 * the API contract (api/routes.ts); a request that does not parse is
 * refused with a 400 naming the field before any handler runs.
 */
export function createApiHandler(
  deps: ApiServerDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { operations } = deps;
  const who = (req: IncomingMessage) => `operator@${req.socket.remoteAddress ?? "?"}`;
  const handlers: Handlers = {
    enrol: async ({ req, body }) => {
      // `{workstations: [...]}` enrols many in one go (all or none) and answers a list.
      if (body.many) return operations.enrolMany(body.workstations, who(req));
      return operations.enrol(body.workstations[0] ?? {}, who(req));
    },
    publishPack: async ({ req }) => {
      const path = await receiveUpload(req, deps.uploadDir, deps.maxUploadBytes);
      try {
        return await operations.publishPack(path, who(req));
      } finally {
        await rm(path, { force: true });
      }
    },
    listPacks: async ({ query }) => ok(await deps.packAdmin.list(query)),
    withdrawPack: async ({ req, body }) => deps.packAdmin.withdraw(body, who(req)),
    listWorkstations: async ({ query }) => ok(await deps.workstations.list(query)),
    removeWorkstation: async ({ req, body }) => deps.workstations.remove(body, who(req)),
    rekeyWorkstation: async ({ req, body }) => deps.workstations.rekey(body, who(req)),
    status: async ({ query }) => operations.status(query),
    versions: async ({ query }) => operations.versions(query),
    setPreferred: async ({ req, body }) => operations.setPreferred(body, who(req)),
    retry: async ({ req, body }) => operations.retry(body, who(req)),
    audit: async () => ok(await operations.auditEntries()),
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
    const name = findRoute(req.method ?? "", url.pathname);
    if (name === undefined)
      throw new HttpError(404, `no such endpoint: ${req.method} ${url.pathname}`);
    const route: RouteSpec = API_ROUTES[name];
    checkToken(req, deps.operatorToken);
    const query = parseQuery(route.query, url.searchParams);
    if (!query.ok) throw new HttpError(400, query.error);
    let body: unknown;
    if (route.body.kind === "json") {
      const parsed = parseBody(route.body.schema, await readJson(req));
      if (!parsed.ok) throw new HttpError(400, parsed.error);
      body = parsed.value;
    }
    const handler = handlers[name] as (input: {
      req: IncomingMessage;
      query: unknown;
      body: unknown;
    }) => Promise<Result<unknown>>;
    const result = await handler({ req, query: query.value, body });
    if (result.ok) sendJson(res, route.status, result.value);
    else sendJson(res, 400, { error: result.error });
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
