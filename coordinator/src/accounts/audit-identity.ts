import { z } from "zod";
import type { Operator } from "./identity.js";
import { ROLES, type Role } from "./roles.js";

/**
 * The `who` of an audit entry: the operator's name and the role they acted
 * with (roles change; the entry keeps the one that allowed the action).
 * Entries written before operators existed carry a string such as
 * `operator@127.0.0.1`; they stay readable.
 */
export interface AuditWho {
  readonly name: string;
  readonly role: Role;
}

export const auditWhoSchema = z.object({ name: z.string(), role: z.enum(ROLES) }).strict();

/** Old entries' `who` strings, or the new shape. */
export const storedWhoSchema = z.union([auditWhoSchema, z.string()]);

export type StoredWho = z.infer<typeof storedWhoSchema>;

export function auditWho(operator: Operator): AuditWho {
  return { name: operator.name, role: operator.role };
}

/** `anna (operator)`, or an old entry's string as it was. */
export function formatWho(who: StoredWho): string {
  return typeof who === "string" ? who : `${who.name} (${who.role})`;
}

/** Name of the operator behind an entry; null for entries from before operators existed. */
export function whoName(who: StoredWho): string | null {
  return typeof who === "string" ? null : who.name;
}

/** `audit --operator NAME`: the entries that operator made, in their order. */
export function filterByOperator<T extends { readonly who: StoredWho }>(
  entries: readonly T[],
  name: string,
): T[] {
  return entries.filter((entry) => whoName(entry.who) === name);
}
