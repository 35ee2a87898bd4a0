import {
  err,
  functionNameSchema,
  groupSchema,
  MAX_VERSION_LENGTH,
  NO_UPDATE,
  type Result,
  SEMVER_PATTERN,
  STATUSES,
  type Status,
  storeIdSchema,
  validate,
  workstationIdSchema,
} from "@tillroll/protocol";
import { z } from "zod";
import type { ServiceRow } from "./service-row.js";

/**
 * The filters of the Status Overview. Every filter left out matches every
 * row; the ones given must all hold.
 *
 * - store, workstation, function: exact ids.
 * - activeVersion, preferredVersion: an exact version, or null ("-") for
 *   "none" (no update planned; nothing installed yet).
 * - status: one of the six.
 * - group: a business unit group and its subgroups (`DE` matches `DE` and
 *   `DE/North`, not `DEX`).
 * - validFromFrom, validFromTo: inclusive bounds (ISO 8601 UTC); a row
 *   without a valid-from never matches a bound.
 */
export interface Filters {
  readonly store?: string | undefined;
  readonly workstation?: string | undefined;
  readonly function?: string | undefined;
  readonly activeVersion?: string | null | undefined;
  readonly preferredVersion?: string | null | undefined;
  readonly status?: Status | undefined;
  readonly group?: string | undefined;
  readonly validFromFrom?: string | undefined;
  readonly validFromTo?: string | undefined;
}

export type FilterName = keyof Filters;

/** Each filter's URL query parameter name. */
export const FILTER_PARAMS: Readonly<Record<FilterName, string>> = {
  store: "store",
  workstation: "workstation",
  function: "function",
  activeVersion: "active-version",
  preferredVersion: "preferred-version",
  status: "status",
  group: "group",
  validFromFrom: "valid-from-from",
  validFromTo: "valid-from-to",
};

export const FILTER_NAMES = Object.keys(FILTER_PARAMS) as readonly FilterName[];

/** Both spellings of every filter (`activeVersion` and `active-version`) → the filter. */
const FILTER_BY_NAME: ReadonlyMap<string, FilterName> = new Map(
  FILTER_NAMES.flatMap((name): [string, FilterName][] => [
    [name, name],
    [FILTER_PARAMS[name], name],
  ]),
);

const statusKey = (text: string): string => text.toLowerCase().replace(/[\s_-]+/g, "");
const STATUS_BY_KEY: ReadonlyMap<string, Status> = new Map(STATUSES.map((s) => [statusKey(s), s]));

/**
 * The status `text` names, ignoring case and separators: `not ready`,
 * `Not-Ready`, `NOT_READY` and `notready` are all Not Ready.
 */
export function normaliseStatus(text: string): Status | undefined {
  return STATUS_BY_KEY.get(statusKey(text.trim()));
}

const statusFilterSchema = z.string().transform((text, ctx): Status => {
  const status = normaliseStatus(text);
  if (status !== undefined) return status;
  ctx.addIssue({
    code: "custom",
    message: `${JSON.stringify(text)} is not one of ${STATUSES.join(", ")}`,
  });
  return z.NEVER;
});

const versionFilterSchema = z.string().transform((text, ctx): string | null => {
  if (text === NO_UPDATE) return null;
  if (text.length <= MAX_VERSION_LENGTH && SEMVER_PATTERN.test(text)) return text;
  ctx.addIssue({
    code: "custom",
    message: `${JSON.stringify(text.slice(0, 60))} is not a semver version (like 1.2.0) or "-" (none)`,
  });
  return z.NEVER;
});

/** `DE/` is read as `DE`. */
const groupFilterSchema = z
  .string()
  .transform((text) => text.replace(/\/+$/, ""))
  .pipe(groupSchema);

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const datetimeSchema = z.iso.datetime({ offset: true });

/** True when `date` (YYYY-MM-DD) is a real calendar day (not 2026-02-30). */
function isCalendarDate(date: string): boolean {
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date;
}

/**
 * A bound as epoch ms: a timestamp with `Z` or an offset, or a plain date,
 * which covers its whole day (UTC): from its first millisecond, to its last.
 */
function parseBound(text: string, edge: "from" | "to"): number | undefined {
  if (DATE_ONLY.test(text)) {
    if (!isCalendarDate(text)) return undefined;
    const start = Date.parse(`${text}T00:00:00.000Z`);
    return edge === "from" ? start : start + DAY_MS - 1;
  }
  if (!datetimeSchema.safeParse(text).success) return undefined;
  if (!isCalendarDate(text.slice(0, 10))) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function boundSchema(edge: "from" | "to") {
  return z.string().transform((text, ctx): string => {
    const ms = parseBound(text, edge);
    if (ms !== undefined) return new Date(ms).toISOString();
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(text.slice(0, 60))} is not an ISO 8601 timestamp or date (like 2026-11-21T09:30:00Z or 2026-11-21)`,
    });
    return z.NEVER;
  });
}

/**
 * The filters as strings (what a query string or a console's flags hold),
 * checked and turned into Filters: statuses normalised, "-" read as null,
 * bounds normalised to ISO 8601 UTC with milliseconds.
 */
export const filtersSchema = z
  .strictObject({
    store: storeIdSchema.optional(),
    workstation: workstationIdSchema.optional(),
    function: functionNameSchema.optional(),
    activeVersion: versionFilterSchema.optional(),
    preferredVersion: versionFilterSchema.optional(),
    status: statusFilterSchema.optional(),
    group: groupFilterSchema.optional(),
    validFromFrom: boundSchema("from").optional(),
    validFromTo: boundSchema("to").optional(),
  })
  .superRefine((filters, ctx) => {
    const { validFromFrom: from, validFromTo: to } = filters;
    if (from !== undefined && to !== undefined && to < from) {
      ctx.addIssue({
        code: "custom",
        path: ["validFromTo"],
        message: `${to} is before the lower bound ${from}: no row could match`,
      });
    }
  });

export interface ParseFiltersOptions {
  /** Skip names that are not filters (other query parameters) instead of refusing them. */
  readonly ignoreUnknown?: boolean;
}

/**
 * Reads filters given by name, camelCase (`activeVersion`) or as URL query
 * parameters (`active-version`). Empty values count as not given (an empty
 * form field). Errors name the filter as it was given, one per line:
 * `status: "Done" is not one of OK, Prepared, ...`.
 */
export function parseFilters(
  raw: Readonly<Record<string, string | undefined>>,
  options: ParseFiltersOptions = {},
): Result<Filters> {
  const input: Partial<Record<FilterName, string>> = {};
  const givenAs = new Map<string, string>();
  const errors: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const filter = FILTER_BY_NAME.get(name);
    if (filter === undefined) {
      if (options.ignoreUnknown !== true) {
        errors.push(
          `${JSON.stringify(name)} is not a filter (known: ${Object.values(FILTER_PARAMS).join(", ")})`,
        );
      }
      continue;
    }
    const text = typeof value === "string" ? value.trim() : value;
    if (text === "") continue;
    const earlier = givenAs.get(filter);
    if (earlier !== undefined && input[filter] !== text) {
      errors.push(`${name}: given twice with different values (also as ${earlier})`);
      continue;
    }
    input[filter] = text;
    givenAs.set(filter, name);
  }
  const parsed = validate(filtersSchema, input);
  if (parsed.ok && errors.length === 0) return parsed;
  if (!parsed.ok) {
    for (const line of parsed.error.split("\n")) errors.push(renameFilter(line, givenAs));
  }
  return err(errors.join("\n"));
}

/** `validFromTo: ...` → `valid-from-to: ...` when the filter was given under that name. */
function renameFilter(line: string, givenAs: ReadonlyMap<string, string>): string {
  const colon = line.indexOf(":");
  if (colon < 0) return line;
  const name = givenAs.get(line.slice(0, colon));
  return name === undefined ? line : `${name}${line.slice(colon)}`;
}

/**
 * Filters as URL query parameters (the inverse of parseFilters): null
 * versions become "-"; filters not set are left out.
 */
export function filtersToQuery(filters: Filters): Record<string, string> {
  const query: Record<string, string> = {};
  for (const name of FILTER_NAMES) {
    const value = filters[name];
    if (value === undefined) continue;
    query[FILTER_PARAMS[name]] = value === null ? NO_UPDATE : value;
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

/**
 * A row test. `validFromMs` is the row's valid-from as epoch ms when the
 * caller has it at hand (null: none); left out, it is read from the row.
 */
export type RowPredicate = (row: ServiceRow, validFromMs?: number | null) => boolean;

/** Compiles `filters` once into a test to run over many rows. */
export function compileFilters(filters: Filters): RowPredicate {
  const { store, workstation, activeVersion, preferredVersion, status, group } = filters;
  const fn = filters.function;
  const bounds = validFromBounds(filters);
  // groupMatches(row.group, group), without building `${group}/` once per row.
  const subgroups = `${group}/`;
  return (row, validFromMs) => {
    if (store !== undefined && row.store !== store) return false;
    if (workstation !== undefined && row.workstation !== workstation) return false;
    if (fn !== undefined && row.function !== fn) return false;
    if (status !== undefined && row.status !== status) return false;
    if (activeVersion !== undefined && row.activeVersion !== activeVersion) return false;
    if (preferredVersion !== undefined && row.preferredVersion !== preferredVersion) return false;
    if (group !== undefined) {
      const rowGroup = row.group;
      if (rowGroup === null || (rowGroup !== group && !rowGroup.startsWith(subgroups)))
        return false;
    }
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
