import { err, groupMatches, groupSchema, ok, type Result } from "@tillroll/protocol/pure";
import type { Operator } from "./identity.js";

/**
 * An operator's scope is one business unit group (`DE/North`): it covers the
 * rows of that group and of its subgroups (`DE/North/Hamburg`), and nothing
 * else, not even rows without a group. A null scope covers the whole fleet.
 */

/** The part of a fleet row scope decisions look at. */
export interface ScopedRow {
  readonly store: string;
  readonly workstation: string;
  readonly group: string | null;
}

/** `--scope` from CLI or HTTP input: a valid group, or null/empty for "everything". */
export function parseScope(input: unknown): Result<string | null> {
  if (input === undefined || input === null || input === "") return ok(null);
  const parsed = groupSchema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  return err(`scope: ${parsed.error.issues[0]?.message ?? "is not a business unit group"}`);
}

/** An admin of the whole platform (seed 004's "Platform level Administrators"). */
export function isPlatformAdmin(operator: Operator): boolean {
  return operator.role === "admin" && operator.scope === null;
}

/** An admin limited to one group: administers its partner's part of the fleet only. */
export function isPartnerAdmin(operator: Operator): boolean {
  return operator.role === "admin" && operator.scope !== null;
}

/** Whether a row of `group` is visible to and changeable by a caller limited to `scope`. */
export function scopeCovers(scope: string | null, group: string | null): boolean {
  return scope === null || groupMatches(group, scope);
}

/**
 * Whether scope `outer` covers everything scope `inner` covers: a partner
 * admin may hand out `DE/North/Hamburg` but not `DE` and not "everything".
 */
export function scopeContains(outer: string | null, inner: string | null): boolean {
  if (outer === null) return true;
  if (inner === null) return false;
  return groupMatches(inner, outer);
}

/** `DE/North`, or `the whole fleet` for no scope: how messages name a scope. */
export function describeScope(scope: string | null): string {
  return scope === null ? "the whole fleet" : scope;
}

/** How many groups a refusal names before it says "and N more". */
const MAX_GROUPS_NAMED = 10;

function describeGroups(groups: readonly (string | null)[]): string {
  const names = [...new Set(groups.map((group) => group ?? "(no group)"))].sort();
  const shown = names.slice(0, MAX_GROUPS_NAMED).join(", ");
  const more = names.length - MAX_GROUPS_NAMED;
  const label = names.length === 1 ? "group" : "groups";
  return more > 0 ? `${label} ${shown} and ${more} more` : `${label} ${shown}`;
}

/**
 * A change may go ahead only when every row it reaches is in the caller's
 * scope; otherwise it is refused whole (never "the in-scope part"), so an
 * operator never half-changes a filter they did not mean to cross. The
 * message says how many rows and which groups were out of bounds:
 * `refused: 3 of 12 rows are outside your scope DE/North (groups AT, DE/South)`.
 */
export function checkChangeScope(operator: Operator, rows: readonly ScopedRow[]): Result<void> {
  const scope = operator.scope;
  if (scope === null) return ok(undefined);
  const outside = rows.filter((row) => !scopeCovers(scope, row.group));
  if (outside.length === 0) return ok(undefined);
  const rowWord = rows.length === 1 ? "row" : "rows";
  const verb = outside.length === 1 ? "is" : "are";
  return err(
    `refused: ${outside.length} of ${rows.length} ${rowWord} ${verb} outside your scope ${scope} (${describeGroups(outside.map((row) => row.group))})`,
  );
}

/** Whether an error message is checkChangeScope's refusal: the HTTP layer answers it with 403. */
export function isScopeRefusal(message: string): boolean {
  return /^refused: \d+ of \d+ rows? (is|are) outside your scope /.test(message);
}

/** Reads show only rows in scope; an out-of-scope row is not an error, it is just not there. */
export function filterReadable<T extends { readonly group: string | null }>(
  operator: Operator,
  rows: readonly T[],
): T[] {
  const scope = operator.scope;
  if (scope === null) return [...rows];
  return rows.filter((row) => scopeCovers(scope, row.group));
}
