import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { ok, type Result } from "@tillroll/protocol";
import type { Operator } from "../accounts/identity.js";
import { authenticateRequest, credentialsOf, recallSession } from "../accounts/request-auth.js";
import { isScopeRefusal } from "../accounts/scope.js";
import { parseBody, parseQuery } from "../api/parse-request.js";
import {
  type Answer,
  API_ROUTES,
  findRoute,
  type ParsedBody,
  type ParsedQuery,
  type RouteName,
  type RouteSpec,
  type Routes,
} from "../api/routes.js";
import type { NoticeService } from "../notices/notice-service.js";
import type { MosquittoAccountsAnswer } from "../operations/broker-accounts.js";
import type { ConsoleOperations } from "../operations/console-operations.js";
import type { PackAdmin } from "../operations/pack-admin.js";
import type {
  PosSessionReleaseRequest,
  PosSessionReleaseResult,
} from "../operations/pos-session-release.js";
import type { WorkstationAdmin } from "../operations/workstation-admin.js";
import { type PackSource, servePack } from "../packs/pack-http.js";
import type { RecipeConsole } from "../recipes/recipe-console.js";
import type { ReleaseConsole, ReleaseResult } from "../releases/release-console.js";
import type { ScheduleConsole } from "../schedules/schedule-console.js";
import { type AccountDeps, AccountHandlers, type Caller } from "./account-handlers.js";
import { crossSiteRefusal } from "./cross-site.js";
import { HttpError, Reply, readJson, sendJson, sendText } from "./http-utils.js";
import { type LiveDeps, LiveHandlers } from "./live-handlers.js";
import { RecipeHandlers } from "./recipe-handlers.js";
import { ReleaseHandlers, releaseAnswer } from "./release-handlers.js";
import { ScheduleHandlers } from "./schedule-handlers.js";
import { createStaticFiles } from "./static-files.js";

export interface ApiServerDeps {
  operations: ConsoleOperations;
  workstations: WorkstationAdmin;
  packAdmin: PackAdmin;
  /** Pack downloads (`/packs/<sha256>.tgz`): the store's records' sync lookups. */
  packs: PackSource;
  /** Operators, sessions and the login limiter (issue 9): every /api request is authenticated. */
  accounts: AccountDeps;
  uploadDir: string;
  /** Largest pack upload accepted. */
  maxUploadBytes: number;
  metrics: () => string;
  /** Release tasks (issue 10): what the `/api/releases` routes call (operations/release-operations.ts). */
  releases: ReleaseConsole;
  /** Windows, store settings, blackouts, notices (issue 11): operations/schedule-operations.ts. */
  schedules: ScheduleConsole;
  /** Notices (issue 11): the `/api/webhooks` routes. */
  notices: Pick<NoticeService, "addWebhook" | "listWebhooks" | "removeWebhook">;
  /** The answer of GET /api/broker-config/mosquitto. */
  mosquittoAccounts: () => MosquittoAccountsAnswer | Promise<MosquittoAccountsAnswer>;
  /** The web console's live streams and kept install logs (issue 12): http/live-handlers.ts. */
  live: LiveDeps;
  log: (message: string) => void;
  /** Issue 13: `POST /api/pos-session/release` (operations/pos-session-release.ts). */
  posSessionRelease?: (
    request: PosSessionReleaseRequest,
    who: Operator,
  ) => Promise<ReleaseResult<PosSessionReleaseResult>>;
  /** The built web console served at `/` (http/static-files.ts); default: dist/web. */
  webDir?: string;
  /** Recipes, updates and rebuild (issue 13): operations/recipe-operations.ts; absent: 404. */
  recipes?: RecipeConsole;
}

/** What a route's handler gets: its parsed query and body (`unknown` for routes without one). */
interface Parsed<N extends RouteName> {
  req: IncomingMessage;
  /** Who is calling (authenticated and authorized for this route); only the login has nobody. */
  caller: N extends PublicRoute ? null : Caller;
  query: ParsedQuery<N>;
  body: N extends JsonBodyRoute ? ParsedBody<N> : undefined;
}
/** Routes without sign-in: nobody is calling. */
type PublicRoute = "login" | "notices";
type JsonBodyRoute =
  | "enrol"
  | "setPreferred"
  | "retry"
  | "withdrawPack"
  | "removeWorkstation"
  | "rekeyWorkstation"
  | "addOperator"
  | "removeOperator"
  | "resetOperator"
  | "login"
  | "createRelease"
  | "startRelease"
  | "approveRelease"
  | "rejectRelease"
  | "triggerRelease"
  | "pauseRelease"
  | "resumeRelease"
  | "retryRelease"
  | "rollbackRelease"
  | "cancelRelease"
  | "setWindow"
  | "removeWindow"
  | "setStore"
  | "addBlackout"
  | "removeBlackout"
  | "addWebhook"
  | "removeWebhook"
  | "setRecipe"
  | "unsetRecipe"
  | "rebuild"
  | "posSessionRelease"
  | "maintenance";
/** Routes whose answer is a stream (`stream: "sse"`): handed the response, not answered here. */
type StreamRoute = {
  [N in RouteName]: Routes[N] extends { stream: "sse" } ? N : never;
}[RouteName];
/** Typed by the contract: an operation whose result drifts from its route's answer schema does not compile (a Reply carries its own headers). */
type Handlers = {
  [N in Exclude<RouteName, StreamRoute>]: (input: Parsed<N>) => Promise<Result<Answer<N> | Reply>>;
};
/** The stream routes: they write to `res` themselves (or answer a refusal as JSON). */
type StreamHandlers = {
  [N in StreamRoute]: (input: Parsed<N> & { res: ServerResponse }) => void;
};

/**
 * The console API (`/api/*`, every request authenticated and checked
 * against the route × role table of accounts/permissions.ts), pack downloads for
 * agents (`/packs/<sha256>.tgz`), `/healthz` and `/metrics`. Routes, their
 * auth and the schemas their queries and bodies are parsed with come from
 * the API contract (api/routes.ts); a request that does not parse is
 * refused with a 400 naming the field before any handler runs.
 */
export function createApiHandler(
  deps: ApiServerDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { operations } = deps;
  const accounts = new AccountHandlers(deps.accounts);
  const releases = new ReleaseHandlers(deps.releases);
  const schedules = new ScheduleHandlers(deps.schedules);
  const live = new LiveHandlers(deps.live, deps.accounts);
  const recipes = new RecipeHandlers(deps.recipes);
  const streams: StreamHandlers = {
    events: ({ req, res, caller, query }) => live.events(req, res, caller, query),
  };
  const handlers: Handlers = {
    enrol: async ({ caller, body }) => {
      // `{workstations: [...]}` enrols many in one go (all or none) and answers a list.
      if (body.many) return operations.enrolMany(body.workstations, caller.operator);
      return operations.enrol(body.workstations[0] ?? {}, caller.operator);
    },
    publishPack: async ({ req, caller }) => {
      const path = await receiveUpload(req, deps.uploadDir, deps.maxUploadBytes);
      try {
        return await operations.publishPack(path, caller.operator);
      } finally {
        await rm(path, { force: true });
      }
    },
    listPacks: async ({ query }) => ok(await deps.packAdmin.list(query)),
    withdrawPack: async ({ caller, body }) => deps.packAdmin.withdraw(body, caller.operator),
    listWorkstations: async ({ caller, query }) =>
      ok(await deps.workstations.list(query, caller.operator)),
    removeWorkstation: async ({ caller, body }) => deps.workstations.remove(body, caller.operator),
    rekeyWorkstation: async ({ caller, body }) => deps.workstations.rekey(body, caller.operator),
    status: async ({ caller, query }) => operations.status(query, caller.operator),
    statusPage: async ({ caller, query }) => operations.statusPage(query, caller.operator),
    statusFacets: async ({ caller }) => operations.facets(caller.operator),
    versions: async ({ caller, query }) => operations.versions(query, caller.operator),
    setPreferred: async ({ caller, body }) => operations.setPreferred(body, caller.operator),
    retry: async ({ caller, body }) => operations.retry(body, caller.operator),
    audit: async ({ caller, query }) =>
      ok(await operations.auditEntries(caller.operator, query.operator, query)),
    listOperators: async ({ caller }) => accounts.list(caller),
    addOperator: async ({ caller, body }) => accounts.add(caller, body),
    removeOperator: async ({ caller, body }) => accounts.remove(caller, body),
    resetOperator: async ({ caller, body }) => accounts.reset(caller, body),
    login: async ({ req, body }) => accounts.login(body, req.socket.remoteAddress ?? "?"),
    whoami: async ({ caller }) => accounts.whoami(caller),
    logout: async ({ caller }) => accounts.logout(caller),
    mosquittoAccounts: async () => ok(await deps.mosquittoAccounts()),
    createRelease: async ({ caller, body }) => releases.create(caller.operator, body),
    listReleases: async ({ caller }) => releases.list(caller.operator),
    showRelease: async ({ caller, query }) => releases.show(caller.operator, query),
    startRelease: async ({ caller, body }) => releases.operate(caller.operator, "start", body),
    approveRelease: async ({ caller, body }) => releases.decide(caller.operator, "approve", body),
    rejectRelease: async ({ caller, body }) => releases.decide(caller.operator, "reject", body),
    triggerRelease: async ({ caller, body }) => releases.operate(caller.operator, "trigger", body),
    pauseRelease: async ({ caller, body }) => releases.operate(caller.operator, "pause", body),
    resumeRelease: async ({ caller, body }) => releases.operate(caller.operator, "resume", body),
    retryRelease: async ({ caller, body }) => releases.operate(caller.operator, "retry", body),
    rollbackRelease: async ({ caller, body }) =>
      releases.operate(caller.operator, "rollback", body),
    cancelRelease: async ({ caller, body }) => releases.operate(caller.operator, "cancel", body),
    listWindows: async ({ caller }) => schedules.listWindows(caller.operator),
    setWindow: async ({ caller, body }) => schedules.setWindow(caller.operator, body),
    removeWindow: async ({ caller, body }) => schedules.removeWindow(caller.operator, body),
    setStore: async ({ caller, body }) => schedules.setStore(caller.operator, body),
    listBlackouts: async ({ caller, query }) => schedules.listBlackouts(caller.operator, query),
    addBlackout: async ({ caller, body }) => schedules.addBlackout(caller.operator, body),
    removeBlackout: async ({ caller, body }) => schedules.removeBlackout(caller.operator, body),
    notices: async () => schedules.notices(),
    addWebhook: async ({ caller, body }) =>
      webhookAnswer(await deps.notices.addWebhook(body, caller.operator)),
    listWebhooks: async () => ok(deps.notices.listWebhooks()),
    removeWebhook: async ({ caller, body }) =>
      webhookAnswer(await deps.notices.removeWebhook(body.id, caller.operator), 404),
    installLog: async ({ caller, query }) => live.installLog(caller, query),
    setRecipe: async ({ caller, body }) => recipes.set(caller.operator, body),
    showRecipe: async ({ caller, query }) => recipes.show(caller.operator, query),
    recipeHistory: async ({ caller, query }) => recipes.history(caller.operator, query),
    unsetRecipe: async ({ caller, body }) => recipes.unset(caller.operator, body),
    updates: async ({ caller, query }) => recipes.updates(caller.operator, query),
    rebuild: async ({ caller, body }) => recipes.rebuild(caller.operator, body),
    posSessionRelease: async ({ caller, body }) => {
      if (deps.posSessionRelease === undefined)
        throw new HttpError(404, "pos-session release is not served here");
      return releaseAnswer(await deps.posSessionRelease(body, caller.operator));
    },
    maintenance: async ({ caller, body }) => deps.workstations.maintenance(body, caller.operator),
  };

  const staticFiles = createStaticFiles(deps.webDir);

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
    // The web console (issue 12): every GET outside /api/ and /packs/.
    if (await staticFiles(req, res, url.pathname)) return;
    const name = findRoute(req.method ?? "", url.pathname);
    if (name === undefined)
      throw new HttpError(404, `no such endpoint: ${req.method} ${url.pathname}`);
    const route: RouteSpec = API_ROUTES[name];
    // A browser's POST from another site (login CSRF included) is refused first.
    const crossSite = crossSiteRefusal(req.method, req.headers);
    if (crossSite !== null) throw new HttpError(403, crossSite);
    // Who is calling, and may they call this route at all (the role table);
    // before the body is read, so a refused caller cannot make us parse it.
    const authDeps = { directory: deps.accounts.directory, sessions: deps.accounts.sessions };
    const credentials = credentialsOf(req);
    // Issue 14: a session another replica opened is fetched before the synchronous check.
    await recallSession(credentials, authDeps);
    const auth = authenticateRequest(credentials, `${route.method} ${route.path}`, authDeps);
    if (!auth.ok) throw new HttpError(auth.status, auth.message);
    const caller: Caller | null =
      auth.operator === null
        ? null
        : { operator: auth.operator, via: auth.via, session: auth.session };
    if (caller === null && route.auth !== "public") throw new HttpError(401, "sign in first");
    const query = parseQuery(route.query, url.searchParams);
    if (!query.ok) throw new HttpError(400, query.error);
    let body: unknown;
    if (route.body.kind === "json") {
      const parsed = parseBody(route.body.schema, await readJson(req));
      if (!parsed.ok) throw new HttpError(400, parsed.error);
      body = parsed.value;
    }
    if (route.stream === "sse") {
      const stream = streams[name as StreamRoute] as (input: {
        req: IncomingMessage;
        res: ServerResponse;
        caller: Caller | null;
        query: unknown;
        body: unknown;
      }) => void;
      return stream({ req, res, caller, query: query.value, body });
    }
    const handler = handlers[name as Exclude<RouteName, StreamRoute>] as (input: {
      req: IncomingMessage;
      caller: Caller | null;
      query: unknown;
      body: unknown;
    }) => Promise<Result<unknown>>;
    const result = await handler({ req, caller, query: query.value, body });
    if (result.ok && result.value instanceof Reply)
      sendJson(res, result.value.status, result.value.body, result.value.headers);
    else if (result.ok) sendJson(res, route.status, result.value);
    else sendJson(res, isScopeRefusal(result.error) ? 403 : 400, { error: result.error });
  }
}

/** A webhook refusal: 400 for bad input, `status` (404) for an unknown id. */
function webhookAnswer<T>(result: Result<T>, status: 400 | 404 = 400): Result<T> {
  if (result.ok) return result;
  throw new HttpError(status, result.error);
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
