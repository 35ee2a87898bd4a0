import { randomBytes, timingSafeEqual } from "node:crypto";
import type { LoginLimiter } from "./login-limiter.js";
import type { AuthenticatedOperator } from "./operators.js";
import type { Role } from "./roles.js";
import { MAX_PASSWORD_LENGTH } from "./secrets.js";

/**
 * Web console sessions: `POST /api/session` with name and password answers
 * with a session cookie (HttpOnly, SameSite=Strict, Secure under TLS) and a
 * CSRF token the console sends back in `X-CSRF-Token` on every state-changing
 * request. Sessions end after `idleTimeoutMs` without a request. Where they
 * are kept is the store's choice (`WebSessionStore`): in memory with the JSON
 * store (a restart signs everyone out, which is safe), in PostgreSQL with
 * `--database` so every replica knows them (store/pg/pg-web-sessions.ts).
 */

export const SESSION_COOKIE_NAME = "tillroll_session";
/** Lowercase, as node:http presents header names. */
export const CSRF_HEADER = "x-csrf-token";

export interface WebSession {
  readonly id: string;
  readonly csrfToken: string;
  readonly name: string;
  /** The operator's secrets when the session began: a reset or removal ends it. */
  readonly credentialId: string;
  readonly createdAt: number;
  lastSeenAt: number;
}

/**
 * What the HTTP layer needs of a session store. `touch` and `peek` answer
 * synchronously (every request asks), from memory; changes may be durable
 * writes, so callers await them. `recall` lets a store that is shared with
 * other replicas fetch a session this one has not seen (opened elsewhere a
 * moment ago) before the synchronous check; a store of its own has nothing to do.
 */
export interface WebSessionStore {
  readonly idleTimeoutMs: number;
  create(operator: AuthenticatedOperator): WebSession | Promise<WebSession>;
  touch(id: string): WebSession | null;
  peek(id: string): WebSession | null;
  recall?(id: string): Promise<void>;
  /** Drops the session from this replica's memory only (a shared store; see request-auth.ts). */
  forget?(id: string): void;
  /** Logout. */
  delete(id: string): boolean | Promise<boolean>;
  /** Ends every session of `name` (operator removed or reset); answers how many. */
  deleteForOperator(name: string): number | Promise<number>;
  /** Stops timers (a shared store's sweep); a memory store has none. */
  close?(): Promise<void>;
}

export interface SessionStoreOptions {
  /** Milliseconds since the epoch; tests inject a fake clock. */
  now: () => number;
  idleTimeoutMs?: number;
  /** Even an active session ends after this long: a stolen cookie does not live forever. */
  absoluteTimeoutMs?: number;
  maxSessions?: number;
}

export const SESSION_DEFAULTS = {
  idleTimeoutMs: 30 * 60_000,
  absoluteTimeoutMs: 12 * 60 * 60_000,
  maxSessions: 10_000,
};

function randomId(): string {
  return randomBytes(32).toString("base64url");
}

/** Sessions in this process's memory: the JSON store's (one coordinator). */
export class SessionStore implements WebSessionStore {
  /** Map order is least recently used first, so eviction drops the stalest session. */
  private readonly sessions = new Map<string, WebSession>();
  private readonly options: Required<SessionStoreOptions>;

  constructor(options: SessionStoreOptions) {
    this.options = { ...SESSION_DEFAULTS, ...options };
  }

  get idleTimeoutMs(): number {
    return this.options.idleTimeoutMs;
  }

  get size(): number {
    return this.sessions.size;
  }

  create(operator: AuthenticatedOperator): WebSession {
    const now = this.options.now();
    for (const [id, session] of this.sessions)
      if (this.expired(session, now)) this.sessions.delete(id);
    while (this.sessions.size >= this.options.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
    const session: WebSession = {
      id: randomId(),
      csrfToken: randomId(),
      name: operator.name,
      credentialId: operator.credentialId,
      createdAt: now,
      lastSeenAt: now,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for a cookie value, its idle clock restarted; null when unknown or expired. */
  touch(id: string): WebSession | null {
    const session = this.sessions.get(id);
    if (session === undefined) return null;
    const now = this.options.now();
    this.sessions.delete(id);
    if (this.expired(session, now)) return null;
    session.lastSeenAt = now;
    this.sessions.set(id, session);
    return session;
  }

  /**
   * The live session for an id without restarting its idle clock; null when
   * unknown or expired. For checks that are not the operator's doing (a live
   * stream's heartbeat), which must not keep an idle session alive.
   */
  peek(id: string): WebSession | null {
    const session = this.sessions.get(id);
    if (session === undefined || this.expired(session, this.options.now())) return null;
    return session;
  }

  /** Logout. */
  delete(id: string): boolean {
    return this.sessions.delete(id);
  }

  /** Ends every session of `name` (operator removed or reset); returns how many. */
  deleteForOperator(name: string): number {
    let count = 0;
    for (const [id, session] of this.sessions)
      if (session.name === name && this.sessions.delete(id)) count++;
    return count;
  }

  private expired(session: WebSession, now: number): boolean {
    return (
      now - session.lastSeenAt >= this.options.idleTimeoutMs ||
      now - session.createdAt >= this.options.absoluteTimeoutMs
    );
  }
}

/** `Set-Cookie` for a new session. No Max-Age: the cookie ends with the browser, the session sooner. */
export function sessionCookie(id: string, options: { secure: boolean }): string {
  return cookie(`${SESSION_COOKIE_NAME}=${id}`, options.secure);
}

/** `Set-Cookie` that makes the browser forget the session (logout). */
export function clearSessionCookie(options: { secure: boolean }): string {
  return cookie(`${SESSION_COOKIE_NAME}=; Max-Age=0`, options.secure);
}

function cookie(value: string, secure: boolean): string {
  return [value, "HttpOnly", "SameSite=Strict", "Path=/", ...(secure ? ["Secure"] : [])].join("; ");
}

/** The session id from a `Cookie` header, or null. */
export function readSessionCookie(header: string | undefined): string | null {
  if (header === undefined) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== SESSION_COOKIE_NAME) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : null;
  }
  return null;
}

/** Methods that change state need the CSRF token when the caller came with a cookie. */
export function csrfRequired(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
}

/** Whether the header carries this session's CSRF token (constant time). */
export function checkCsrf(session: WebSession, headerValue: string | undefined): boolean {
  if (headerValue === undefined) return false;
  const given = Buffer.from(headerValue);
  const expected = Buffer.from(session.csrfToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What `POST /api/session` needs: the directory's password check, the limiter, the store. */
export interface LoginDeps {
  directory: {
    authenticatePassword(name: string, password: string): Promise<AuthenticatedOperator | null>;
  };
  limiter: LoginLimiter;
  sessions: WebSessionStore;
  /** Serving over TLS: the cookie gets `Secure`. */
  secure: boolean;
}

export type LoginAnswer =
  | {
      status: 200;
      body: {
        name: string;
        role: Role;
        scope: string | null;
        csrfToken?: string;
        token?: string;
        idleTimeoutSeconds: number;
      };
      /** Absent for a token login: the token travels in the body, never as a cookie. */
      setCookie?: string;
    }
  | { status: 400 | 401; body: { error: string } }
  | { status: 429; body: { error: string }; retryAfterSeconds: number };

/** One message for an unknown name and a wrong password: the answer must not tell names apart. */
export const LOGIN_REFUSED = "wrong name or password";

/**
 * `POST /api/session {name, password}` from `address`. The limiter is asked
 * first, so a blocked name or address costs no scrypt work.
 */
export async function login(
  deps: LoginDeps,
  body: unknown,
  address: string,
  options: { token?: boolean } = {},
): Promise<LoginAnswer> {
  const input = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const { name, password } = input;
  if (typeof name !== "string" || name === "")
    return { status: 400, body: { error: "name is required" } };
  if (typeof password !== "string" || password === "")
    return { status: 400, body: { error: "password is required" } };
  if (name.length > 128 || password.length > MAX_PASSWORD_LENGTH)
    return { status: 400, body: { error: "name or password is too long" } };
  const gate = deps.limiter.check(name, address);
  if (!gate.allowed) {
    const retryAfterSeconds = Math.ceil(gate.retryAfterMs / 1000);
    return {
      status: 429,
      body: { error: `too many failed logins: try again in ${retryAfterSeconds} s` },
      retryAfterSeconds,
    };
  }
  const operator = await deps.directory.authenticatePassword(name, password);
  if (operator === null) {
    deps.limiter.recordFailure(name, address);
    return { status: 401, body: { error: LOGIN_REFUSED } };
  }
  deps.limiter.recordSuccess(name, address);
  const session = await deps.sessions.create(operator);
  const who = { name: operator.name, role: operator.role, scope: operator.scope };
  const idleTimeoutSeconds = Math.floor(deps.sessions.idleTimeoutMs / 1000);
  // `tillroll login`: the session id itself is the bearer token (no cookie, so no CSRF).
  if (options.token === true)
    return { status: 200, body: { ...who, token: session.id, idleTimeoutSeconds } };
  return {
    status: 200,
    body: { ...who, csrfToken: session.csrfToken, idleTimeoutSeconds },
    setCookie: sessionCookie(session.id, { secure: deps.secure }),
  };
}

/** `DELETE /api/session`: ends the cookie's session (if any) and clears the cookie. */
export async function logout(
  sessions: WebSessionStore,
  cookieHeader: string | undefined,
  options: { secure: boolean },
): Promise<{ status: 200; body: { ok: true }; setCookie: string }> {
  const id = readSessionCookie(cookieHeader);
  if (id !== null) await sessions.delete(id);
  return { status: 200, body: { ok: true }, setCookie: clearSessionCookie(options) };
}
