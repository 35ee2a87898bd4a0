import { NO_UPDATE, type Status } from "@tillroll/protocol/pure";
import type { ServiceRow } from "./service-row.js";

/**
 * The filters of the Status Overview. Every filter left out matches every
 * row; the ones given must all hold, and a filter holding a list matches a
 * row that has any of its values (`store: ["1001", "2002"]`: either store).
 *
 * - store, workstation, function: exact ids.
 * - activeVersion, preferredVersion: exact versions, or null ("-") for
 *   "none" (no update planned; nothing installed yet).
 * - status: some of the six.
 * - group: business unit groups and their subgroups (`DE` matches `DE` and
 *   `DE/North`, not `DEX`).
 * - validFromFrom, validFromTo: inclusive bounds (ISO 8601 UTC), one each; a
 *   row without a valid-from never matches a bound.
 *
 * Lists are never empty: a filter is either left out or names values. The
 * wire forms (query strings, JSON bodies) are read by filter-schema.ts.
 */
export interface Filters {
  readonly store?: readonly string[] | undefined;
  readonly workstation?: readonly string[] | undefined;
  readonly function?: readonly string[] | undefined;
  readonly activeVersion?: readonly (string | null)[] | undefined;
  readonly preferredVersion?: readonly (string | null)[] | undefined;
  readonly status?: readonly Status[] | undefined;
  readonly group?: readonly string[] | undefined;
  readonly validFromFrom?: string | undefined;
  readonly validFromTo?: string | undefined;
}

export type FilterName = keyof Filters;

/** The filters that take a list of values (all but the two valid-from bounds). */
export const LIST_FILTERS = [
  "store",
  "workstation",
  "function",
  "activeVersion",
  "preferredVersion",
  "status",
  "group",
] as const satisfies readonly FilterName[];

/** Each filter's URL query parameter name (and console flag, with `--`). */
export const FILTER_PARAMS = {
  store: "store",
  workstation: "workstation",
  function: "function",
  activeVersion: "active-version",
  preferredVersion: "preferred-version",
  status: "status",
  group: "group",
  validFromFrom: "valid-from-from",
  validFromTo: "valid-from-to",
} as const satisfies Record<FilterName, string>;

export const FILTER_NAMES = Object.keys(FILTER_PARAMS) as readonly FilterName[];

/** The filters that are set, by name (for "is this change narrowed?" checks and messages). */
export function filtersGiven(filters: Filters): FilterName[] {
  return FILTER_NAMES.filter((name) => filters[name] !== undefined);
}

/**
 * Filters as URL query parameters (the inverse of parseFilters): lists are
 * comma-separated (no filter value can hold a comma), null versions become
 * "-"; filters not set are left out.
 */
export function filtersToQuery(filters: Filters): Record<string, string> {
  const query: Record<string, string> = {};
  for (const name of FILTER_NAMES) {
    const value = filters[name];
    if (value === undefined) continue;
    const values: readonly (string | null)[] = typeof value === "string" ? [value] : value;
    query[FILTER_PARAMS[name]] = values.map((v) => (v === null ? NO_UPDATE : v)).join(",");
  }
  return query;
}

/** The valid-from bounds as epoch ms (open sides are ±Infinity), or undefined when neither is set. */
export function validFromBounds(filters: Filters): { from: number; to: number } | undefined {
  if (filters.validFromFrom === undefined && filters.validFromTo === undefined) return undefined;
  return {
    from: filters.validFromFrom === undefined ? -Infinity : Date.parse(filters.validFromFrom),
    to: filters.validFromTo === undefined ? Infinity : Date.parse(filters.validFromTo),
  };
}

/** Whether `group` is one of `prefixes` or below one of them (`DE/North` is below `DE`). */
export function groupMatchesAny(group: string | null, prefixes: readonly string[]): boolean {
  if (group === null) return false;
  for (const prefix of prefixes) {
    if (group === prefix || group.startsWith(`${prefix}/`)) return true;
  }
  return false;
}

/**
 * A row test. `validFromMs` is the row's valid-from as epoch ms when the
 * caller has it at hand (null: none); left out, it is read from the row.
 */
export type RowPredicate = (row: ServiceRow, validFromMs?: number | null) => boolean;

type Member<T> = (value: T) => boolean;

/**
 * A membership test for a list filter, or undefined when it is not set: one
 * value compares directly (the common case, and faster than a Set lookup
 * over 100,000 rows); more use a Set.
 */
function memberOf<T>(values: readonly T[] | undefined): Member<T> | undefined {
  if (values === undefined) return undefined;
  if (values.length === 1) {
    const only = values[0];
    return (value) => value === only;
  }
  const set = new Set(values);
  return (value) => set.has(value);
}

/** A test for "this group or below one of these", or undefined when the filter is not set. */
function groupTestOf(groups: readonly string[] | undefined): Member<string | null> | undefined {
  if (groups === undefined) return undefined;
  // Built once, not once per row.
  const prefixes = groups.map((group) => `${group}/`);
  return (group) => {
    if (group === null) return false;
    for (let i = 0; i < groups.length; i++) {
      if (group === groups[i] || group.startsWith(prefixes[i] as string)) return true;
    }
    return false;
  };
}

/** Compiles `filters` once into a test to run over many rows. */
export function compileFilters(filters: Filters): RowPredicate {
  const store = memberOf(filters.store);
  const workstation = memberOf(filters.workstation);
  const fn = memberOf(filters.function);
  const status = memberOf<string>(filters.status);
  const activeVersion = memberOf(filters.activeVersion);
  const preferredVersion = memberOf(filters.preferredVersion);
  const group = groupTestOf(filters.group);
  const bounds = validFromBounds(filters);
  return (row, validFromMs) => {
    if (store !== undefined && !store(row.store)) return false;
    if (workstation !== undefined && !workstation(row.workstation)) return false;
    if (fn !== undefined && !fn(row.function)) return false;
    if (status !== undefined && !status(row.status)) return false;
    if (activeVersion !== undefined && !activeVersion(row.activeVersion)) return false;
    if (preferredVersion !== undefined && !preferredVersion(row.preferredVersion)) return false;
    if (group !== undefined && !group(row.group)) return false;
    if (bounds !== undefined) {
      const at =
        validFromMs !== undefined
          ? validFromMs
          : row.validFrom === null
            ? null
            : Date.parse(row.validFrom);
      // NaN (an unreadable timestamp) fails both comparisons, like null.
      if (at === null || !(at >= bounds.from && at <= bounds.to)) return false;
    }
    return true;
  };
}

/** Whether `row` passes every filter in `filters`. */
export function matches(row: ServiceRow, filters: Filters): boolean {
  return compileFilters(filters)(row);
}
