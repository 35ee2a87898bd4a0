import { functionNameSchema, storeIdSchema, workstationIdSchema } from "@tillroll/protocol/pure";
import { z } from "zod";
import {
  described,
  FILTER_PARAMS_KNOWN,
  FILTER_SHAPE,
  readFilters,
  strictObject,
} from "../fleet/filter-schema.js";
import type { Filters } from "../fleet/filters.js";
import {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  PAGE_SORTS,
  type PageSort,
  SORT_DIRS,
  type SortDir,
} from "../fleet/fleet-page.js";

/**
 * Requests of the web console's routes (issue 12): the status page's query
 * (the status filters plus paging and sorting) and the row lists that narrow
 * set-preferred and retry to rows picked by hand.
 */

/** Highest offset a page may start at: far past any fleet, so only nonsense is refused. */
const MAX_OFFSET = 100_000_000;

/** A whole-number query parameter within [min, max]. */
function wholeNumber(what: string, min: number, max: number): z.ZodType<number, string> {
  return (
    z
      .unknown()
      .transform((value, ctx): number => {
        const text = typeof value === "string" ? value.trim() : null;
        const number = text !== null && /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
        if (number >= min && number <= max) return number;
        ctx.addIssue({
          code: "custom",
          message: `expected a whole number from ${min} to ${max} (${what}), got ${described(value)}`,
        });
        return z.NEVER;
      })
      // What the JSON Schema (OpenAPI) shows: the check above is code it cannot see.
      // (A query value is text: the document shows the digits' pattern, the range in words.)
      .meta({
        type: "string",
        pattern: "^[0-9]{1,10}$",
        description: `${what}: a whole number from ${min} to ${max}`,
      }) as unknown as z.ZodType<number, string>
  );
}

const pagingShape = {
  offset: wholeNumber("rows to skip", 0, MAX_OFFSET).optional(),
  limit: wholeNumber("rows on the page", 1, MAX_PAGE_LIMIT).optional(),
  sort: z.enum(PAGE_SORTS).optional(),
  dir: z.enum(SORT_DIRS).optional(),
};

export interface StatusPageRequest {
  readonly filters: Filters;
  readonly offset: number;
  readonly limit: number;
  readonly sort: PageSort;
  readonly dir: SortDir;
}

/**
 * `GET /api/status/page?store=1001&status=failed&offset=100&limit=100&sort=validFrom&dir=desc`:
 * every filter of `GET /api/status`, and which page in which order.
 */
export const statusPageQuery = strictObject(
  { ...FILTER_SHAPE, ...pagingShape },
  `${FILTER_PARAMS_KNOWN}, ${Object.keys(pagingShape).join(", ")}`,
  "query parameter",
).transform((given, ctx): StatusPageRequest => {
  if (ctx.issues.length > 0) return z.NEVER;
  const { offset, limit, sort, dir, ...filters } = given;
  return {
    filters: readFilters(filters, ctx),
    offset: offset ?? 0,
    limit: limit ?? DEFAULT_PAGE_LIMIT,
    sort: sort ?? "store",
    dir: dir ?? "asc",
  };
});

/** Most rows one change may name by key; more: use filters. */
export const MAX_CHANGE_ROWS = 1000;

const rowRefShape = {
  store: storeIdSchema,
  workstation: workstationIdSchema,
  function: functionNameSchema,
};

/**
 * `rows: [{store, workstation, function}]` in a set-preferred or retry body:
 * only these rows (and only those the filters also match).
 */
export const changeRowsSchema = z
  .array(strictObject(rowRefShape, Object.keys(rowRefShape).join(", ")))
  .min(1, { error: "is an empty list: name at least one row, or leave rows out" })
  .max(MAX_CHANGE_ROWS, {
    error: `has more than ${MAX_CHANGE_ROWS} rows: select fewer, or change by filters`,
  });
