import { err, ok, type Result } from "@tillroll/protocol/pure";

/**
 * Roles, lowest first. Each includes every one before it, so "needs operator"
 * admits operator, approver and admin. Order is the whole model: a new role
 * goes in at its place in this list and nothing else changes.
 */
export const ROLES = ["viewer", "operator", "approver", "admin"] as const;

export type Role = (typeof ROLES)[number];

/** What each role adds to the one before it (README, `operator add --help`). */
export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  viewer: "read everything in its scope",
  operator: "change preferred versions, skip, retry; create and run release tasks",
  approver: "approve or reject checkpoints of release tasks it did not create (four eyes)",
  admin: "operators, enrolment, packs, maintenance windows and blackouts",
};

/** Position in ROLES: viewer 0 … admin 3. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** True when a caller holding `have` may do what needs `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return roleRank(have) >= roleRank(need);
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** `viewer, operator, approver or admin`: every message that lists the roles says the same. */
export function listRoles(): string {
  return `${ROLES.slice(0, -1).join(", ")} or ${ROLES[ROLES.length - 1]}`;
}

/** A role from CLI or HTTP input; the error names the valid ones. */
export function parseRole(input: unknown): Result<Role> {
  if (isRole(input)) return ok(input);
  if (input === undefined || input === null || input === "")
    return err(`role is required: use ${listRoles()}`);
  const shown = typeof input === "string" ? JSON.stringify(input) : `a ${typeof input}`;
  return err(`${shown} is not a role: use ${listRoles()}`);
}
