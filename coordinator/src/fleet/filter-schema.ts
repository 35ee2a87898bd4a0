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
} from "@tillroll/protocol/pure";
import { z } from "zod";
import { FILTER_NAMES, FILTER_PARAMS, type FilterName, type Filters } from "./filters.js";

/**
 * The filters on the wire: a query string (`?store=1001,2002&status=failed`)
 * or a JSON object (`{"store": ["1001", "2002"], "status": "failed"}`), read
 * by one strict schema. Every filter may be spelt camelCase
 * (`activeVersion`) or as its query parameter (`active-version`); a list
 * filter takes an array of strings or one string, and strings are split at
 * commas (no filter value can hold one). Anything else is refused with the
 * filter named: unknown names, wrong types, empty lists, a list where one
 * bound is meant.
 */

/** Most values one list filter may name; beyond this, use a group. */
export const MAX_FILTER_VALUES = 1000;

const statusKey = (text: string): string => text.toLowerCase().replace(/[\s_-]+/g, "");
const STATUS_BY_KEY: ReadonlyMap<string, Status> = new Map(STATUSES.map((s) => [statusKey(s), s]));

/**
 * The status `text` names, ignoring case and separators: `not ready`,
 * `Not-Ready`, `NOT_READY` and `notready` are all Not Ready.
 */
export function normaliseStatus(text: string): Status | undefined {
  return STATUS_BY_KEY.get(statusKey(text.trim()));
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** `number 1001`, `string "x"`, `null`: the type and (shortened) value, for "got ..." messages. */
export function described(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return `${typeName(value)} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/**
 * A JSON boolean body field, strict: `true` or `false` only (no "yes", no 1),
 * and the message names what the flag means.
 */
export const booleanFlag = (what: string) =>
  z
    .unknown()
    .transform((value, ctx): boolean => {
      if (typeof value === "boolean") return value;
      ctx.addIssue({
        code: "custom",
        message: `expected true or false (${what}), got ${described(value)}`,
      });
      return z.NEVER;
    })
    // What the JSON Schema (OpenAPI) shows: the check above is code it cannot see.
    .meta({ type: "boolean", description: what }) as unknown as z.ZodType<boolean, boolean>;

const statusFilterSchema = z.string().transform((text, ctx): Status => {
  const status = normaliseStatus(text);
  if (status !== undefined) return status;
  ctx.addIssue({
    code: "custom",
    message: `${JSON.stringify(text.slice(0, 60))} is not one of ${STATUSES.join(", ")}`,
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

/** A timestamp with `Z` or an offset on a real calendar day, as epoch ms. */
export function parseTimestamp(text: string): number | undefined {
  if (!datetimeSchema.safeParse(text).success) return undefined;
  if (!isCalendarDate(text.slice(0, 10))) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A request field holding an instant with `Z` or an offset, answered in UTC
 * (`2026-12-24T00:00:00.000Z`); a refusal shows `example` as the form to use.
 */
export function utcInstantSchema(example: string) {
  return z.string().transform((text, ctx): string => {
    const ms = parseTimestamp(text.trim());
    if (ms !== undefined) return new Date(ms).toISOString();
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(text.slice(0, 60))} is not an ISO 8601 timestamp with Z or an offset (like ${example})`,
    });
    return z.NEVER;
  });
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
  return parseTimestamp(text);
}

/** One valid-from bound: a string, never a list (it is one edge of a range). */
function boundSchema(edge: "from" | "to"): z.ZodType<string, string> {
  return (
    z
      .unknown()
      .transform((value, ctx): string => {
        const fail = (message: string) => {
          ctx.addIssue({ code: "custom", message });
          return z.NEVER;
        };
        const bound = `the ${edge === "from" ? "lower" : "upper"} bound of the valid-from range`;
        if (Array.isArray(value) || (typeof value === "string" && value.includes(","))) {
          return fail(`takes one timestamp or date (${bound}), not a list`);
        }
        if (typeof value !== "string") {
          return fail(
            `expected an ISO 8601 timestamp or date as a string, got ${described(value)}`,
          );
        }
        const text = value.trim();
        const ms = parseBound(text, edge);
        if (ms !== undefined) return new Date(ms).toISOString();
        return fail(
          `${JSON.stringify(text.slice(0, 60))} is not an ISO 8601 timestamp or date (like 2026-11-21T09:30:00Z or 2026-11-21)`,
        );
      })
      // What the JSON Schema (OpenAPI) shows: the check above is code it cannot see.
      .meta({
        type: "string",
        description: `The ${edge === "from" ? "lower" : "upper"} bound of the valid-from range: an ISO 8601 timestamp (Z or an offset) or a date (its whole day, UTC)`,
        examples: [edge === "from" ? "2026-11-21" : "2026-11-21T22:00:00Z"],
      }) as unknown as z.ZodType<string, string>
  );
}

/** The values of a list filter as given: an array of strings, or one (comma-separated) string. */
export type ListInput = string | readonly string[];

/**
 * A list filter: one string (split at commas) or an array of strings (each
 * split at commas), every value checked by `item`, duplicates dropped. A
 * value's error names its place in the list (`store.1: ...`) when there is
 * more than one.
 */
function listFilter<T>(item: z.ZodType<T, string>, what: string): z.ZodType<T[], ListInput> {
  return (
    z
      .unknown()
      .transform((value, ctx): T[] => {
        const fail = (message: string, path: number[] = []) => {
          ctx.addIssue({ code: "custom", path, message });
          return z.NEVER;
        };
        const split = (text: string) => text.split(",").map((piece) => piece.trim());
        let pieces: string[];
        if (typeof value === "string") pieces = split(value);
        else if (Array.isArray(value)) {
          const bad = value.findIndex((piece) => typeof piece !== "string");
          if (bad >= 0) {
            return fail(`expected a string in the list of ${what}, got ${described(value[bad])}`, [
              bad,
            ]);
          }
          pieces = (value as string[]).flatMap(split);
        } else {
          return fail(`expected an array of ${what} (or one as a string), got ${described(value)}`);
        }
        if (pieces.length === 0)
          return fail("is an empty list: leave the filter out to match every value");
        if (pieces.length > MAX_FILTER_VALUES) {
          return fail(
            `has more than ${MAX_FILTER_VALUES} values: use a group, or split the change`,
          );
        }
        const values: T[] = [];
        let failed = false;
        for (const [index, piece] of pieces.entries()) {
          const checked = validate(item, piece);
          if (checked.ok) values.push(checked.value);
          else {
            failed = true;
            fail(checked.error.split("\n").join("; "), pieces.length > 1 ? [index] : []);
          }
        }
        return failed ? z.NEVER : [...new Set(values)];
      })
      // What the JSON Schema (OpenAPI) shows: the check above is code it cannot see.
      .meta({
        description: `One or more ${what}: a string (comma-separated for several) or an array of strings`,
        anyOf: [
          { type: "string", minLength: 1 },
          { type: "array", items: { type: "string" }, minItems: 1, maxItems: MAX_FILTER_VALUES },
        ],
      }) as unknown as z.ZodType<T[], ListInput>
  );
}

const FILTER_SCHEMAS = {
  store: listFilter(storeIdSchema, "store ids"),
  workstation: listFilter(workstationIdSchema, "workstation ids"),
  function: listFilter(functionNameSchema, "function names"),
  activeVersion: listFilter(versionFilterSchema, 'versions (or "-")'),
  preferredVersion: listFilter(versionFilterSchema, 'versions (or "-")'),
  status: listFilter(statusFilterSchema, "statuses"),
  group: listFilter(groupFilterSchema, "business unit groups"),
  validFromFrom: boundSchema("from"),
  validFromTo: boundSchema("to"),
} as const satisfies Record<FilterName, z.ZodType>;

type FilterSchemas = typeof FILTER_SCHEMAS;
type Param<N extends FilterName> = (typeof FILTER_PARAMS)[N];

/** Every accepted key (both spellings) → its filter. */
const FILTER_BY_KEY: ReadonlyMap<string, FilterName> = new Map(
  FILTER_NAMES.flatMap((name): [string, FilterName][] => [
    [name, name],
    [FILTER_PARAMS[name], name],
  ]),
);

const KNOWN = Object.values(FILTER_PARAMS).join(", ");

/** A strict object whose unknown keys are refused with the known ones listed. */
export function strictObject<S extends z.ZodRawShape>(shape: S, known: string, what = "field") {
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === "unrecognized_keys") {
        const keys = issue.keys.map((key) => JSON.stringify(key)).join(", ");
        return `unknown ${what}${issue.keys.length > 1 ? "s" : ""} ${keys} (known: ${known})`;
      }
      if (issue.code === "invalid_type" && issue.input !== undefined) {
        return `expected a JSON object, got ${described(issue.input)}`;
      }
      return undefined;
    },
  });
}

const shape = Object.fromEntries(
  [...FILTER_BY_KEY].map(([key, name]) => [key, FILTER_SCHEMAS[name].optional()]),
) as unknown as {
  [N in FilterName]: z.ZodOptional<FilterSchemas[N]>;
} & { [N in FilterName as Param<N>]: z.ZodOptional<FilterSchemas[N]> };

/** Every filter's schema under both spellings: spread into a route's query that takes filters and more. */
export const FILTER_SHAPE = shape;

/** The filter parameters, for "known: ..." in refusals. */
export const FILTER_PARAMS_KNOWN = KNOWN;

/**
 * The filters of an object parsed with FILTER_SHAPE (keys that are not
 * filters are left alone): a filter given under both spellings merged, the
 * valid-from bounds checked against each other.
 */
export function readFilters(given: Record<string, unknown>, ctx: z.core.$RefinementCtx): Filters {
  const out: Record<string, unknown> = {};
  const givenAs = new Map<FilterName, string>();
  for (const [key, value] of Object.entries(given)) {
    const name = FILTER_BY_KEY.get(key);
    if (name === undefined || value === undefined) continue;
    const earlier = out[name];
    givenAs.set(name, key);
    if (earlier === undefined) out[name] = value;
    else if (Array.isArray(earlier)) out[name] = [...new Set([...earlier, ...(value as [])])];
    else if (earlier !== value) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `given twice with different values (also as ${name === key ? FILTER_PARAMS[name] : name})`,
      });
    }
  }
  const from = out.validFromFrom as string | undefined;
  const to = out.validFromTo as string | undefined;
  if (from !== undefined && to !== undefined && to < from) {
    ctx.addIssue({
      code: "custom",
      path: [givenAs.get("validFromTo") ?? "validFromTo"],
      message: `${to} is before the lower bound ${from}: no row could match`,
    });
  }
  return out as Filters;
}

/**
 * Filters as given on the wire (both spellings of every filter; lists or
 * comma-separated strings), checked and turned into Filters: statuses
 * normalised, "-" read as null, bounds normalised to ISO 8601 UTC with
 * milliseconds, a filter given under both spellings merged.
 */
export const filtersSchema = strictObject(shape, KNOWN, "filter").transform(
  (given, ctx): Filters => {
    if (ctx.issues.length > 0) return z.NEVER;
    return readFilters(given, ctx);
  },
);

/** What a client sends as filters (either spelling; lists or single strings). */
export type FiltersInput = z.input<typeof filtersSchema>;

/**
 * Reads filters given as query parameters or console flags: values are one
 * string (comma-separated) or several (a repeated parameter); undefined and
 * blank values count as not given (an empty form field). Errors name the
 * filter as it was given, one per line:
 * `status: "Done" is not one of OK, Prepared, ...`.
 */
export function parseFilters(
  raw: Readonly<Record<string, string | readonly string[] | undefined>>,
): Result<Filters> {
  const input: Record<string, string | readonly string[]> = Object.create(null);
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (typeof value === "string" && value.trim() === "") continue;
    input[name] = value;
  }
  const parsed = validate(filtersSchema, input);
  return parsed.ok ? parsed : err(parsed.error);
}
