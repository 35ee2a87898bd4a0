import { createHash, createHmac } from "node:crypto";
import { SESSION_DEFAULTS, type SessionStoreOptions, type WebSession } from "./web-sessions.js";

/**
 * Issue 14: the rules of web sessions kept where several replicas share
 * them (store/pg/pg-web-sessions.ts does the I/O). Pure: hashing, expiry and
 * when the last use is written back.
 */

/** A session as a replica holds it in memory; keyed by its id's hash, the id itself is not kept. */
export interface SharedSession {
  readonly idHash: string;
  readonly name: string;
  readonly credentialId: string;
  readonly createdAt: number;
  /** The last request this replica saw, or the database's last use if later. */
  lastSeenAt: number;
  /** The last use as written to (or read from) the database. */
  storedLastUsedAt: number;
}

export type SharedSessionLimits = Required<Omit<SessionStoreOptions, "now">>;

export function sessionLimits(options: Omit<SessionStoreOptions, "now">): SharedSessionLimits {
  return { ...SESSION_DEFAULTS, ...options };
}

/** What the table keeps instead of the id: a leaked table row signs nobody in. */
export function hashSessionId(id: string): string {
  return createHash("sha256").update(id).digest("base64url");
}

/**
 * The session's CSRF token, derived from its id: any replica that is shown
 * the cookie computes the same token without it being stored, and the
 * stored hash does not yield it (a different keyed function of the id).
 */
export function csrfTokenFor(id: string): string {
  return createHmac("sha256", id).update("tillroll csrf token").digest("base64url");
}

/** When the session ends if not used again: the earlier of its idle and absolute ends. */
export function expiresAt(
  session: Pick<SharedSession, "createdAt" | "lastSeenAt">,
  limits: SharedSessionLimits,
): number {
  return Math.min(
    session.lastSeenAt + limits.idleTimeoutMs,
    session.createdAt + limits.absoluteTimeoutMs,
  );
}

export function isExpired(
  session: Pick<SharedSession, "createdAt" | "lastSeenAt">,
  now: number,
  limits: SharedSessionLimits,
): boolean {
  return now >= expiresAt(session, limits);
}

/**
 * How often a replica writes a session's last use: every request would be a
 * database write per click; once a minute is a write per active operator per
 * minute, and the database's last use lags the real one by at most that,
 * 1/30 of the default 30-minute idle timeout. A short idle timeout (tests)
 * gets a tenth of itself, so the lag stays a small part of it.
 */
export function lastUseWriteEveryMs(limits: SharedSessionLimits): number {
  return Math.max(1, Math.min(60_000, Math.floor(limits.idleTimeoutMs / 10)));
}

/** Whether a request at `now` should write the last use back (at most every `everyMs`). */
export function shouldWriteLastUse(
  session: Pick<SharedSession, "storedLastUsedAt">,
  now: number,
  everyMs: number,
): boolean {
  return now - session.storedLastUsedAt >= everyMs;
}

/**
 * Rows a sweep deletes: ended by `now` minus one write interval. The grace
 * covers a session in use on another replica whose last use is not written
 * yet (it lags by at most that interval).
 */
export function sweepBefore(now: number, limits: SharedSessionLimits): number {
  return now - lastUseWriteEveryMs(limits);
}

/** The session as the HTTP layer sees it (the id is the caller's, never read from the table). */
export function webSessionOf(id: string, session: SharedSession): WebSession {
  return {
    id,
    csrfToken: csrfTokenFor(id),
    name: session.name,
    credentialId: session.credentialId,
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
  };
}
