import type { AclDecision, Principal } from "./acl.js";
import { describePrincipal } from "./acl.js";
import { isFixedClientIdOf, RESERVED_CLIENT_ID_PREFIXES, workstationName } from "./usernames.js";

/**
 * Client identifiers and who may use them.
 *
 * MQTT makes the client id the key of a session: a CONNECT with an id already
 * connected disconnects the older connection (MQTT 3.1.1 §3.1.4, MQTT-3.1.4-2),
 * and a CONNECT with CleanSession 0 resumes the stored subscriptions and
 * queued messages of that id (§3.1.2.4). Left open, any till's credentials
 * could knock another till's agent off the broker again and again, or inherit
 * its session. So a client id belongs to the principal that uses it first
 * while its connection or persistent session lives, and the fixed ids
 * (`agent.{store}.{workstation}`, `pos.{store}.{workstation}`, and the legacy
 * `agent:…` / `pos:…` forms, usernames.ts) are reserved for their principal.
 * A refused id gets CONNACK 0x02 "identifier rejected" (§3.2.2.3).
 */

/**
 * Longest client id accepted, in UTF-8 bytes. MQTT 3.1.1 §3.1.3.1 requires
 * servers to accept 1-23 bytes and lets them allow more; agent ids
 * (`agent.{store}.{workstation}`, ids up to 64 characters each) need up to 135.
 */
export const MAX_CLIENT_ID_BYTES = 256;

/** One string per principal, equal for equal principals: `agent.1001.01`, `coordinator`. */
export function principalKey(principal: Principal): string {
  return principal.kind === "coordinator" ? "coordinator" : workstationName(principal);
}

/**
 * Checks a client id on its own: length, the empty id (only with a clean
 * session, MQTT-3.1.3-8) and the reserved `agent.` / `pos.` ids (either form).
 */
export function checkClientId(principal: Principal, clientId: string, clean: boolean): AclDecision {
  const who = describePrincipal(principal);
  const refuse = (why: string): AclDecision => ({
    allowed: false,
    reason: `${who} may not use client id ${JSON.stringify(clientId)}: ${why}`,
  });
  if (Buffer.byteLength(clientId, "utf8") > MAX_CLIENT_ID_BYTES) {
    return refuse(`client ids are limited to ${MAX_CLIENT_ID_BYTES} bytes`);
  }
  if (clientId.length === 0 && !clean) {
    return refuse("an empty client id needs CleanSession 1 (MQTT 3.1.1 §3.1.3.1, MQTT-3.1.3-8)");
  }
  const prefix = RESERVED_CLIENT_ID_PREFIXES.find((p) => clientId.startsWith(p));
  if (prefix !== undefined && !isFixedClientIdOf(principal, clientId)) {
    const kind = prefix.slice(0, -1);
    return refuse(
      `ids starting with "${prefix}" are reserved for the ${kind} they name (${kind}.{store}.{workstation})`,
    );
  }
  return { allowed: true };
}

export interface SessionLimits {
  /**
   * Persistent sessions (CleanSession 0) one principal may hold under client
   * ids other than its fixed id. The fixed id always works: it names one
   * session only.
   */
  maxSessionsPerPrincipal: number;
  /** A persistent session whose client stays away this long is discarded (MQTT 3.1.1 §4.1). */
  sessionExpiryMs: number;
}

/** 4 extra persistent sessions per login; abandoned sessions live one day. */
export const DEFAULT_SESSION_LIMITS: Readonly<SessionLimits> = {
  maxSessionsPerPrincipal: 4,
  sessionExpiryMs: 24 * 60 * 60 * 1000,
};

interface Session {
  key: string;
  /** The principal's fixed id: not counted against the cap. */
  fixed: boolean;
  /** When its last connection ended; null while connected. */
  disconnectedAt: number | null;
}

/**
 * Owners of the client ids in use: connected clients and persistent sessions
 * (CleanSession 0), which outlive their connection. Not I/O, just bookkeeping
 * that the broker updates on connect and disconnect. Memory is bounded: each
 * principal holds at most its fixed id plus `maxSessionsPerPrincipal`
 * persistent sessions, and those expire `sessionExpiryMs` after their last
 * connection ended (the broker calls `expire` and discards them).
 */
export class ClientIdOwners {
  /** clientId → holder, for ids with a live connection. */
  private readonly connected = new Map<string, { key: string; connection: object }>();
  /** clientId → persistent session. */
  private readonly sessions = new Map<string, Session>();
  /** principal key → its persistent sessions not under its fixed id. */
  private readonly extra = new Map<string, Set<string>>();

  constructor(private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS) {}

  /** May `principal` connect with `clientId` (CleanSession `clean`) now, given who holds what? */
  check(principal: Principal, clientId: string, clean = true): AclDecision {
    const key = principalKey(principal);
    const who = describePrincipal(principal);
    const holder = this.connected.get(clientId)?.key ?? this.sessions.get(clientId)?.key;
    if (holder !== undefined && holder !== key) {
      return {
        allowed: false,
        reason: `${who} may not use client id ${JSON.stringify(clientId)}: it is held by ${holder} (a CONNECT would take over its session, MQTT 3.1.1 §3.1.4)`,
      };
    }
    // Resuming a session it holds, or its fixed id: nothing new to count.
    if (clean || this.sessions.has(clientId) || isFixedClientIdOf(principal, clientId)) {
      return { allowed: true };
    }
    const held = this.extra.get(key)?.size ?? 0;
    if (held >= this.limits.maxSessionsPerPrincipal) {
      const hours = Math.round((this.limits.sessionExpiryMs / 3_600_000) * 10) / 10;
      return {
        allowed: false,
        reason: `${who} may not open a persistent session under client id ${JSON.stringify(clientId)}: it already holds ${held} (the limit per login besides its fixed id); reuse one of them, connect with CleanSession 1, or wait until an abandoned one expires (${hours} h after its connection ended)`,
      };
    }
    return { allowed: true };
  }

  /**
   * Records an accepted connection; `connection` identifies it (the broker's
   * client object). A clean session discards a persistent one (§3.1.2.4).
   */
  connect(principal: Principal, clientId: string, clean: boolean, connection: object): void {
    const key = principalKey(principal);
    this.connected.set(clientId, { key, connection });
    if (clean) {
      this.forget(clientId);
      return;
    }
    const fixed = isFixedClientIdOf(principal, clientId);
    this.sessions.set(clientId, { key, fixed, disconnectedAt: null });
    if (!fixed) {
      const ids = this.extra.get(key) ?? new Set<string>();
      ids.add(clientId);
      this.extra.set(key, ids);
    }
  }

  /**
   * Records the end of a connection at time `now`. When a client took over
   * its own id, the old connection ends after the new one started: only the
   * current connection releases the id. A persistent session stays owned
   * until it expires.
   */
  disconnect(clientId: string, connection: object, now: number): void {
    if (this.connected.get(clientId)?.connection !== connection) return;
    this.connected.delete(clientId);
    const session = this.sessions.get(clientId);
    if (session !== undefined) session.disconnectedAt = now;
  }

  /** Forgets and returns the persistent sessions abandoned for `sessionExpiryMs` by `now`. */
  expire(now: number): string[] {
    const expired: string[] = [];
    for (const [clientId, session] of this.sessions) {
      if (
        session.disconnectedAt !== null &&
        now - session.disconnectedAt >= this.limits.sessionExpiryMs &&
        !this.connected.has(clientId)
      ) {
        expired.push(clientId);
      }
    }
    for (const clientId of expired) this.forget(clientId);
    return expired;
  }

  private forget(clientId: string): void {
    const session = this.sessions.get(clientId);
    if (session === undefined) return;
    this.sessions.delete(clientId);
    const ids = this.extra.get(session.key);
    ids?.delete(clientId);
    if (ids?.size === 0) this.extra.delete(session.key);
  }

  /** Ids with a live connection or a persistent session. */
  get size(): number {
    return new Set([...this.connected.keys(), ...this.sessions.keys()]).size;
  }

  /** Persistent sessions held, connected or not. */
  get sessionCount(): number {
    return this.sessions.size;
  }
}
