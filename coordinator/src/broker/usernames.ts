import { isValidId } from "@tillroll/protocol";
import type { Principal, WorkstationPrincipal } from "./acl.js";

/**
 * Broker usernames and fixed client ids of a workstation's parties, in one
 * place: `agent.{store}.{workstation}` and `pos.{store}.{workstation}`.
 *
 * Why `.`: store and workstation ids use only letters, digits, `-` and `_`
 * (protocol isValidId), so a dot splits the name unambiguously, and every
 * common broker's password tool accepts it. The first form, `agent:1001:01`,
 * is refused by `mosquitto_passwd` (`:` separates its user and hash). Configs
 * already in the field still carry the old form, so the embedded broker keeps
 * accepting `agent:{store}:{ws}` / `pos:{store}:{ws}` as usernames and as the
 * fixed client ids (LEGACY_SEPARATOR); new credentials are never issued in it.
 */

type WorkstationKind = WorkstationPrincipal["kind"];

export const USERNAME_SEPARATOR = ".";
/** Accepted on login for configs issued before the `.` form; never issued. */
export const LEGACY_SEPARATOR = ":";

const KINDS: readonly WorkstationKind[] = ["agent", "pos"];

/** Broker username (and fixed client id) of a workstation's agent: `agent.1001.01`. */
export function agentUsername(store: string, workstation: string): string {
  return ["agent", store, workstation].join(USERNAME_SEPARATOR);
}

/** Broker username (and fixed client id) of a workstation's POS: `pos.1001.01`. */
export function posUsername(store: string, workstation: string): string {
  return ["pos", store, workstation].join(USERNAME_SEPARATOR);
}

/** The client id the agent of a workstation uses (agent/src/engine/agent.ts): its username. */
export const agentClientId = agentUsername;

/** The fixed client id of a POS: its username. */
export const posClientId = posUsername;

/** Username / fixed client id of a workstation principal in the current form. */
export function workstationName(principal: WorkstationPrincipal): string {
  return [principal.kind, principal.store, principal.workstation].join(USERNAME_SEPARATOR);
}

/** The same name in the legacy `:` form, accepted from configs in the field. */
export function legacyWorkstationName(principal: WorkstationPrincipal): string {
  return [principal.kind, principal.store, principal.workstation].join(LEGACY_SEPARATOR);
}

/**
 * The workstation principal a username names, in either form, or null for a
 * name of no workstation party (the caller then treats it like any unknown
 * username: no answer may tell the two apart).
 */
export function parseWorkstationUsername(username: string): WorkstationPrincipal | null {
  for (const separator of [USERNAME_SEPARATOR, LEGACY_SEPARATOR]) {
    const parts = username.split(separator);
    if (parts.length !== 3) continue;
    const [kind = "", store = "", workstation = ""] = parts;
    if (!(KINDS as readonly string[]).includes(kind)) continue;
    if (!isValidId(store) || !isValidId(workstation)) continue;
    return { kind: kind as WorkstationKind, store, workstation };
  }
  return null;
}

/** Prefixes of the fixed client ids, in both forms: such ids belong to their principal only. */
export const RESERVED_CLIENT_ID_PREFIXES: readonly string[] = KINDS.flatMap((kind) => [
  `${kind}${USERNAME_SEPARATOR}`,
  `${kind}${LEGACY_SEPARATOR}`,
]);

/** Whether `clientId` is a fixed id of `principal` (current or legacy form). */
export function isFixedClientIdOf(principal: Principal, clientId: string): boolean {
  if (principal.kind === "coordinator") return false;
  return clientId === workstationName(principal) || clientId === legacyWorkstationName(principal);
}
