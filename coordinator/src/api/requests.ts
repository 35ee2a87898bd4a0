import {
  type DrainPolicy,
  drainPolicySchema,
  functionNameSchema,
  groupSchema,
  MAX_VERSION_LENGTH,
  NO_UPDATE,
  SEMVER_PATTERN,
  storeIdSchema,
  workstationIdSchema,
} from "@tillroll/protocol/pure";
import { z } from "zod";
import {
  booleanFlag,
  filtersSchema,
  strictObject,
  utcInstantSchema,
} from "../fleet/filter-schema.js";
import { FILTER_PARAMS, type FilterName, type Filters, filtersGiven } from "../fleet/filters.js";
import type { ServiceRef } from "../fleet/service-row.js";
import { changeRowsSchema } from "./console-requests.js";

/**
 * The request of every console API route, as one strict zod schema each:
 * unknown keys, wrong types and `null` are refused with the field named, so
 * nothing a client mistypes is silently dropped (a dropped filter would
 * widen a change to the whole fleet). The parsed values are what the
 * operations receive.
 */

/** Most workstations one enrolment request may hold (a store roll-out, a simulator). */
export const MAX_ENROL_BATCH = 20_000;

const keysOf = (shape: object): string => Object.keys(shape).join(", ");

/** A route that takes no query parameters: any given is refused. */
export const noQuery = strictObject({}, "none", "query parameter");

// --- enrolment ---------------------------------------------------------

const workstationShape = {
  store: storeIdSchema,
  workstation: workstationIdSchema,
  group: groupSchema.nullable().optional(),
};
const enrolItem = strictObject(workstationShape, keysOf(workstationShape));

const enrolShape = {
  store: storeIdSchema.optional(),
  workstation: workstationIdSchema.optional(),
  group: groupSchema.nullable().optional(),
  workstations: z
    .array(enrolItem)
    .min(1, { error: "is an empty list: name at least one workstation" })
    .max(MAX_ENROL_BATCH, {
      error: `has more than ${MAX_ENROL_BATCH} workstations: enrol them in several requests`,
    })
    .optional(),
};

export interface EnrolOne {
  store: string;
  workstation: string;
  group: string | null;
}

/**
 * `POST /api/workstations`: one workstation (`{store, workstation, group?}`)
 * or many at once (`{workstations: [...]}`, all or none), not both.
 */
export const enrolBody = strictObject(enrolShape, keysOf(enrolShape)).transform(
  (body, ctx): { workstations: EnrolOne[]; many: boolean } => {
    if (ctx.issues.length > 0) return z.NEVER;
    const one = (w: { store: string; workstation: string; group?: string | null | undefined }) => ({
      store: w.store,
      workstation: w.workstation,
      group: w.group ?? null,
    });
    if (body.workstations !== undefined) {
      for (const key of ["store", "workstation", "group"] as const) {
        if (body[key] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: "give either workstations (a list) or one store/workstation, not both",
          });
        }
      }
      return { workstations: body.workstations.map(one), many: true };
    }
    const { store, workstation } = body;
    if (store === undefined) {
      const many = workstation === undefined ? ' (or enrol many with "workstations", a list)' : "";
      ctx.addIssue({ code: "custom", path: ["store"], message: `is required${many}` });
    }
    if (workstation === undefined) {
      ctx.addIssue({ code: "custom", path: ["workstation"], message: "is required" });
    }
    if (store === undefined || workstation === undefined) return z.NEVER;
    return { workstations: [one({ store, workstation, group: body.group })], many: false };
  },
);

// --- changes -----------------------------------------------------------

const versionSchema = z
  .string()
  .max(MAX_VERSION_LENGTH)
  .refine((text) => text === NO_UPDATE || SEMVER_PATTERN.test(text), {
    error: (issue) =>
      `${JSON.stringify(String(issue.input).slice(0, 60))} is not a semver version (like 1.2.0) or "-" (no update)`,
  });

const validFromSchema = utcInstantSchema("2026-11-21T22:00:00Z").nullable();

/** A narrowing filter, or the `rows` key list (issue 12), which narrows too. */
type Narrowing = FilterName | "rows";

/** Names of the filters set, as the console's flags, for messages. */
const flagList = (names: readonly Narrowing[]) =>
  names.map((name) => (name === "rows" ? '"rows"' : `--${FILTER_PARAMS[name]}`)).join(" ");

/**
 * The fleet-wide guard: a change with no narrowing filter needs `all: true`,
 * and `all: true` with narrowing filters is refused (which was meant?).
 */
function checkScope(
  ctx: z.core.$RefinementCtx,
  narrowing: readonly Narrowing[],
  all: boolean,
  reach: string,
): void {
  if (narrowing.length === 0 && !all) {
    ctx.addIssue({
      code: "custom",
      path: ["all"],
      message: `no filter narrows this change, so it would reach ${reach}: narrow it with filters (--store, --workstation, --group, --status, ...) or confirm with "all": true (--all)`,
    });
  }
  if (narrowing.length > 0 && all) {
    ctx.addIssue({
      code: "custom",
      path: ["all"],
      message: `"all": true (--all) cannot be combined with filters (${flagList(narrowing)}): either narrow the change or confirm the whole fleet`,
    });
  }
}

const setPreferredShape = {
  function: functionNameSchema.optional(),
  version: versionSchema,
  validFrom: validFromSchema.optional(),
  install: booleanFlag("install on workstations that lack the function").optional(),
  filters: filtersSchema.optional(),
  rows: changeRowsSchema.optional(),
  all: booleanFlag("act on the whole fleet").optional(),
  dryRun: booleanFlag("only show what would change").optional(),
  // Issue 13: force only on a forced release task (refused here, see below).
  drain: strictObject(drainPolicySchema.shape, "noticeMinutes, force").nullable().optional(),
};

export interface SetPreferredRequest {
  function: string;
  version: string;
  /** ISO 8601 UTC, or null for "now". */
  validFrom: string | null;
  install: boolean;
  /** The filters, `function` set to the one function changed. */
  filters: Filters;
  /** Only these rows (of the ones the filters match); undefined: every matching row. */
  rows?: readonly ServiceRef[];
  all: boolean;
  dryRun: boolean;
  /** Issue 13: notices before the update (never forced: that takes a forced release task). */
  drain?: DrainPolicy | null | undefined;
}

/**
 * `POST /api/set-preferred`: the function (at the top, or as the one value
 * of `filters.function`), the version or "-", and filters or `all: true`.
 */
export const setPreferredBody = strictObject(
  setPreferredShape,
  keysOf(setPreferredShape),
).transform((body, ctx): SetPreferredRequest => {
  if (ctx.issues.length > 0) return z.NEVER;
  const filters: Filters = body.filters ?? {};
  const listed = filters.function;
  let fn = body.function;
  if (listed !== undefined && (listed.length !== 1 || (fn !== undefined && listed[0] !== fn))) {
    ctx.addIssue({
      code: "custom",
      path: ["filters", "function"],
      message: `set-preferred changes one function: give it once as "function" (--function F), got ${JSON.stringify(listed)}`,
    });
    return z.NEVER;
  }
  fn ??= listed?.[0];
  // Rows picked by hand name their function: one function for all of them is the one changed.
  const picked = [...new Set(body.rows?.map((row) => row.function))];
  if (fn === undefined && picked.length === 1) fn = picked[0];
  if (fn === undefined) {
    ctx.addIssue({ code: "custom", path: ["function"], message: "is required (--function F)" });
    return z.NEVER;
  }
  const other = picked.filter((name) => name !== fn);
  if (other.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["rows"],
      message: `set-preferred changes one function (${fn}): rows of ${other.join(", ")} cannot be in the same request`,
    });
    return z.NEVER;
  }
  const all = body.all ?? false;
  // The function alone names every row of it in the fleet: not narrowing.
  const narrowing: Narrowing[] = filtersGiven(filters).filter((name) => name !== "function");
  if (body.rows !== undefined) narrowing.push("rows");
  checkScope(ctx, narrowing, all, `every ${fn} in the fleet`);
  if (body.drain?.force === true) {
    ctx.addIssue({
      code: "custom",
      path: ["drain", "force"],
      message:
        'may be true only on a forced release task ("forced": true); set-preferred asks users to leave but cannot end their sessions',
    });
    return z.NEVER;
  }
  return {
    ...(body.drain == null ? {} : { drain: body.drain }),
    function: fn,
    version: body.version,
    validFrom: body.validFrom ?? null,
    install: body.install ?? false,
    filters: { ...filters, function: [fn] },
    ...(body.rows === undefined ? {} : { rows: body.rows }),
    all,
    dryRun: body.dryRun ?? false,
  };
});

const retryShape = {
  /** Same as filters.function (the console once sent it at the top). */
  function: filtersSchema.def.in.shape.function,
  filters: filtersSchema.optional(),
  rows: changeRowsSchema.optional(),
  all: booleanFlag("act on the whole fleet").optional(),
  dryRun: booleanFlag("only show what would change").optional(),
};

export interface RetryRequest {
  filters: Filters;
  /** Only these rows (of the ones the filters match); undefined: every matching row. */
  rows?: readonly ServiceRef[];
  all: boolean;
  dryRun: boolean;
}

/** `POST /api/retry`: filters or `all: true`; Failed, Rolled Back and Not Ready rows get a new request. */
export const retryBody = strictObject(retryShape, keysOf(retryShape)).transform(
  (body, ctx): RetryRequest => {
    if (ctx.issues.length > 0) return z.NEVER;
    const filters: Filters = body.filters ?? {};
    const functions = [...new Set([...(filters.function ?? []), ...(body.function ?? [])])];
    const merged: Filters = functions.length > 0 ? { ...filters, function: functions } : filters;
    const all = body.all ?? false;
    const narrowing: Narrowing[] = filtersGiven(merged);
    if (body.rows !== undefined) narrowing.push("rows");
    checkScope(ctx, narrowing, all, "every row in the fleet");
    return {
      filters: merged,
      ...(body.rows === undefined ? {} : { rows: body.rows }),
      all,
      dryRun: body.dryRun ?? false,
    };
  },
);

// --- reading -----------------------------------------------------------

/** `GET /api/status?store=1001,1002&status=failed`: the filters. */
export const statusQuery = filtersSchema;

/** `GET /api/versions?function=F&...`: one function, and filters narrowing its rows. */
export const versionsQuery = filtersSchema.transform(
  (filters, ctx): Filters & { function: readonly [string] } => {
    if (ctx.issues.length > 0) return z.NEVER;
    const fn = filters.function;
    if (fn === undefined || fn.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["function"],
        message:
          fn === undefined
            ? "is required (--function F)"
            : `give one function (versions are listed per function), got ${fn.length}`,
      });
      return z.NEVER;
    }
    return { ...filters, function: [fn[0] as string] };
  },
);
