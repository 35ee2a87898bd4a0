import type { AuthenticatedOperator } from "./operators.js";
import { authorize, permissionFor } from "./permissions.js";
import {
  CSRF_HEADER,
  checkCsrf,
  csrfRequired,
  readSessionCookie,
  type WebSession,
  type WebSessionStore,
} from "./web-sessions.js";

/**
 * The one call the HTTP layer makes before any handler: who is this (bearer
 * token, or session cookie plus CSRF token for changes), and may they call
 * this route. Pure apart from the session store's idle clock.
 */

/** The parts of a request that say who is calling (node:http header names are lowercase). */
export interface RequestCredentials {
  readonly method: string;
  readonly authorization?: string | undefined;
  readonly cookie?: string | undefined;
  readonly csrfToken?: string | undefined;
}

export interface RequestAuthDeps {
  directory: {
    authenticateToken(token: string): AuthenticatedOperator | null;
    lookup(name: string): AuthenticatedOperator | undefined;
  };
  sessions: WebSessionStore;
}

export type RequestAuth =
  | {
      ok: true;
      /** null only on public routes. */
      operator: AuthenticatedOperator | null;
      via: "token" | "cookie" | "public";
      session: WebSession | null;
    }
  | { ok: false; status: 401 | 403; message: string };

function refuse(status: 401 | 403, message: string): RequestAuth {
  return { ok: false, status, message };
}

/** Pull the credentials out of a node:http request's headers. */
export function credentialsOf(req: {
  method?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}): RequestCredentials {
  const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  return {
    method: req.method ?? "GET",
    authorization: one(req.headers.authorization),
    cookie: one(req.headers.cookie),
    csrfToken: one(req.headers[CSRF_HEADER]),
  };
}

/**
 * Before `authenticateRequest`: a store shared by replicas fetches the
 * caller's session when this replica does not hold it (opened on another
 * replica a moment ago), so the synchronous check that follows finds it. A
 * bearer token that is an API token is not looked up (no database round trip
 * for scripts); a memory store has nothing to fetch.
 */
export async function recallSession(
  credentials: RequestCredentials,
  deps: RequestAuthDeps,
): Promise<void> {
  const recall = deps.sessions.recall?.bind(deps.sessions);
  if (recall === undefined) return;
  if (credentials.authorization !== undefined) {
    const token = /^Bearer ([^\s]+)$/.exec(credentials.authorization)?.[1];
    if (token !== undefined && deps.directory.authenticateToken(token) === null)
      await recall(token);
    return;
  }
  const id = readSessionCookie(credentials.cookie);
  if (id !== null) await recall(id);
}

export function authenticateRequest(
  credentials: RequestCredentials,
  routeId: string,
  deps: RequestAuthDeps,
): RequestAuth {
  const permission = permissionFor(routeId);
  if (permission?.need === "public")
    return { ok: true, operator: null, via: "public", session: null };
  const identified = identify(credentials, deps);
  if (!identified.ok) return identified;
  const decision = authorize(identified.operator, routeId);
  if (!decision.ok) return refuse(decision.status, decision.message);
  return identified;
}

function identify(credentials: RequestCredentials, deps: RequestAuthDeps): RequestAuth {
  if (credentials.authorization !== undefined) {
    // A bearer token is never sent by a browser on its own, so it needs no CSRF token.
    const match = /^Bearer ([^\s]+)$/.exec(credentials.authorization);
    if (match === null) return refuse(401, "the Authorization header must be `Bearer <token>`");
    const token = match[1] as string;
    const operator = deps.directory.authenticateToken(token);
    if (operator !== null) return { ok: true, operator, via: "token", session: null };
    // `tillroll login` holds a session token (POST /api/session with token:true):
    // the same store and idle timeout as a cookie session, sent as a bearer token.
    const session = sessionOf(token, deps);
    if (session !== null)
      return { ok: true, operator: session.operator, via: "token", session: session.session };
    return refuse(
      401,
      "unknown, revoked or expired token: run `tillroll login`, or ask an admin for `tillroll operator reset NAME`",
    );
  }
  const id = readSessionCookie(credentials.cookie);
  if (id === null) return { ok: true, operator: null, via: "public", session: null };
  const found = sessionOf(id, deps);
  if (found === null) return refuse(401, "your session has ended: log in again");
  const { session, operator } = found;
  if (csrfRequired(credentials.method) && !checkCsrf(session, credentials.csrfToken))
    return refuse(
      403,
      "missing or wrong CSRF token: send the X-CSRF-Token header the login answered with",
    );
  return { ok: true, operator, via: "cookie", session };
}

/**
 * The live session `id` names and its operator as they are now; a session
 * whose operator was removed or got new secrets since is ended here.
 */
function sessionOf(
  id: string,
  deps: RequestAuthDeps,
): { session: WebSession; operator: AuthenticatedOperator } | null {
  const session = deps.sessions.touch(id);
  if (session === null) return null;
  const operator = deps.directory.lookup(session.name);
  if (operator === undefined || operator.credentialId !== session.credentialId) {
    // A shared store only forgets it here: this replica's operators may be a moment behind
    // another's reset (and the reset deleted the old sessions everywhere already), so a
    // session opened after it must not be deleted for good on their word.
    if (deps.sessions.forget !== undefined) deps.sessions.forget(session.id);
    else deps.sessions.delete(session.id);
    return null;
  }
  return { session, operator };
}
