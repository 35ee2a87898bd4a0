import type { AclDecision, Principal } from "./acl.js";
import { describePrincipal } from "./acl.js";

/**
 * Client identifiers and who may use them.
 *
 * MQTT makes the client id the key of a session: a CONNECT with an id already
 * connected disconnects the older connection (MQTT 3.1.1 §3.1.4, MQTT-3.1.4-2),
 * and a CONNECT with CleanSession 0 resumes the stored subscriptions and
 * queued messages of that id (§3.1.2.4). Left open, any till's credentials
 * could knock another till's agent off the broker again and again, or inherit
 * its session. So a client id belongs to the principal that uses it first
 * while its connection or persistent session lives, and the ids the agent
 * uses (`agent:{store}:{workstation}`) are reserved for that agent. A refused
 * id gets CONNACK 0x02 "identifier rejected" (§3.2.2.3).
 */

/**
 * Longest client id accepted, in UTF-8 bytes. MQTT 3.1.1 §3.1.3.1 requires
 * servers to accept 1-23 bytes and lets them allow more; agent ids
 * (`agent:{store}:{workstation}`, ids up to 64 characters each) need up to 135.
 */
export const MAX_CLIENT_ID_BYTES = 256;

/** Reserved prefixes: an id `{kind}:{store}:{workstation}` belongs to that principal. */
const RESERVED_KINDS = ["agent", "pos"] as const;

/** One string per principal, equal for equal principals. */
export function principalKey(principal: Principal): string {
  return principal.kind === "coordinator"
    ? "coordinator"
    : `${principal.kind}:${principal.store}:${principal.workstation}`;
}

/** The client id the agent of a workstation uses (agent/src/engine/agent.ts). */
export function agentClientId(store: string, workstation: string): string {
  return `agent:${store}:${workstation}`;
}

/**
 * Checks a client id on its own: length, the empty id (only with a clean
 * session, MQTT-3.1.3-8) and the reserved `agent:` / `pos:` ids.
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
  for (const kind of RESERVED_KINDS) {
    if (clientId.startsWith(`${kind}:`) && clientId !== principalKey(principal)) {
      return refuse(`ids starting with "${kind}:" are reserved for ${kind} {store}:{workstation}`);
    }
  }
  return { allowed: true };
}

/**
 * Owners of the client ids in use: connected clients and persistent sessions
 * (CleanSession 0), which outlive their connection. Not I/O, just bookkeeping
 * that the broker updates on connect and disconnect.
 */
export class ClientIdOwners {
  /** clientId → holder, for ids with a live connection. */
  private readonly connected = new Map<string, { key: string; connection: object }>();
  /** clientId → principal key, for ids with a persistent session. */
  private readonly sessions = new Map<string, string>();

  /** May `principal` connect with `clientId` now, given who holds it? */
  check(principal: Principal, clientId: string): AclDecision {
    const key = principalKey(principal);
    const holder = this.connected.get(clientId)?.key ?? this.sessions.get(clientId);
    if (holder === undefined || holder === key) return { allowed: true };
    return {
      allowed: false,
      reason: `${describePrincipal(principal)} may not use client id ${JSON.stringify(clientId)}: it is held by ${holder} (a CONNECT would take over its session, MQTT 3.1.1 §3.1.4)`,
    };
  }

  /**
   * Records an accepted connection; `connection` identifies it (the broker's
   * client object). A clean session discards a persistent one (§3.1.2.4).
   */
  connect(principal: Principal, clientId: string, clean: boolean, connection: object): void {
    const key = principalKey(principal);
    this.connected.set(clientId, { key, connection });
    if (clean) this.sessions.delete(clientId);
    else this.sessions.set(clientId, key);
  }

  /**
   * Records the end of a connection. When a client took over its own id, the
   * old connection ends after the new one started: only the current
   * connection releases the id. A persistent session stays owned.
   */
  disconnect(clientId: string, connection: object): void {
    if (this.connected.get(clientId)?.connection === connection) this.connected.delete(clientId);
  }

  /** Ids with a live connection or a persistent session. */
  get size(): number {
    return new Set([...this.connected.keys(), ...this.sessions.keys()]).size;
  }
}
