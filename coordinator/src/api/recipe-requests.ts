import {
  functionNameSchema,
  groupSchema,
  recipeContentSchema,
  storeIdSchema,
  workstationIdSchema,
} from "@tillroll/protocol/pure";
import { z } from "zod";
import { booleanFlag, filtersSchema, strictObject } from "../fleet/filter-schema.js";
import { type Filters, filtersGiven } from "../fleet/filters.js";
import type { RebuildRequest } from "../recipes/recipe-console.js";
import type { RecipeScope } from "../recipes/recipe-model.js";
import { changeRowsSchema } from "./console-requests.js";

/**
 * The recipe routes' requests (issue 13). A recipe is set at one scope:
 * `group`, or `store`, or `store` and `workstation` (one workstation).
 */

const SCOPE_ERROR =
  'give the scope: "group", or "store", or "store" and "workstation" (--group G | --store S | --workstation S/W)';

const scopeShape = {
  group: groupSchema.optional(),
  store: storeIdSchema.optional(),
  workstation: workstationIdSchema.optional(),
};

type ScopeFields = {
  group?: string | undefined;
  store?: string | undefined;
  workstation?: string | undefined;
};

/** The scope the fields name, or undefined when they name none or two. */
export function scopeOf(body: ScopeFields): RecipeScope | undefined {
  if (body.group !== undefined)
    return body.store === undefined && body.workstation === undefined
      ? { kind: "group", group: body.group }
      : undefined;
  if (body.store === undefined) return undefined;
  return body.workstation === undefined
    ? { kind: "store", store: body.store }
    : { kind: "workstation", store: body.store, workstation: body.workstation };
}

function requireScope<T extends ScopeFields>(body: T, ctx: z.core.$RefinementCtx): RecipeScope {
  const scope = scopeOf(body);
  if (scope === undefined) {
    ctx.addIssue({
      code: "custom",
      path: [body.group === undefined ? "store" : "group"],
      message: SCOPE_ERROR,
    });
    return z.NEVER;
  }
  return scope;
}

/** `POST /api/recipes`: `{function, group | store [+ workstation], recipe}`. */
export const recipeSetBody = strictObject(
  { function: functionNameSchema, ...scopeShape, recipe: recipeContentSchema },
  "function, group, store, workstation, recipe",
).transform((body, ctx) => {
  if (ctx.issues.length > 0) return z.NEVER;
  return { function: body.function, scope: requireScope(body, ctx), recipe: body.recipe };
});

/** `POST /api/recipes/unset`: `{function, group | store [+ workstation]}`. */
export const recipeUnsetBody = strictObject(
  { function: functionNameSchema, ...scopeShape },
  "function, group, store, workstation",
).transform((body, ctx) => {
  if (ctx.issues.length > 0) return z.NEVER;
  return { function: body.function, scope: requireScope(body, ctx) };
});

const STORE_WS = /^([^/]+)\/([^/]+)$/;

/** `STORE/WS` (the --effective flag), checked by the id schemas. */
const storeWsSchema = z
  .string()
  .transform((text, ctx) => {
    const match = STORE_WS.exec(text);
    const store = match?.[1];
    const workstation = match?.[2];
    if (
      store === undefined ||
      workstation === undefined ||
      !storeIdSchema.safeParse(store).success ||
      !workstationIdSchema.safeParse(workstation).success
    ) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(text.slice(0, 60))} is not STORE/WS (e.g. 1001/01)`,
      });
      return z.NEVER;
    }
    return { store, workstation };
  })
  .meta({ type: "string", description: "STORE/WS, e.g. 1001/01", examples: ["1001/01"] });

/** `GET /api/recipes?function=F[&group=G|&store=S[&workstation=W]][&effective=S/W]`. */
export const recipeShowQuery = strictObject(
  { function: functionNameSchema, ...scopeShape, effective: storeWsSchema.optional() },
  "function, group, store, workstation, effective",
  "query parameter",
).transform((query, ctx) => {
  if (ctx.issues.length > 0) return z.NEVER;
  const given =
    query.group !== undefined || query.store !== undefined || query.workstation !== undefined;
  const scope = given ? requireScope(query, ctx) : undefined;
  return { function: query.function, scope, effective: query.effective };
});

/** `GET /api/recipes/history?function=F`. */
export const recipeHistoryQuery = strictObject(
  { function: functionNameSchema },
  "function",
  "query parameter",
);

/** `GET /api/updates?function=F&store=…`: the status filters. */
export const updatesQuery = filtersSchema;

const rebuildShape = {
  function: functionNameSchema,
  filters: filtersSchema.optional(),
  rows: changeRowsSchema.optional(),
  all: booleanFlag("act on every row of the function").optional(),
  dryRun: booleanFlag("only show what would change").optional(),
};

/**
 * `POST /api/rebuild`: one function, and filters (or picked rows) narrowing
 * it, or `all: true` for every row of the function (a rebuild restarts the
 * service on each till it reaches, so the whole fleet is never implied).
 */
export const rebuildBody = strictObject(
  rebuildShape,
  Object.keys(rebuildShape).join(", "),
).transform((body, ctx): RebuildRequest => {
  if (ctx.issues.length > 0) return z.NEVER;
  const filters: Filters = body.filters ?? {};
  const listed = filters.function;
  if (listed !== undefined && (listed.length !== 1 || listed[0] !== body.function)) {
    ctx.addIssue({
      code: "custom",
      path: ["filters", "function"],
      message: `rebuild acts on one function: give it once as "function" (--function F)`,
    });
    return z.NEVER;
  }
  const other = [...new Set(body.rows?.map((row) => row.function))].filter(
    (f) => f !== body.function,
  );
  if (other.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["rows"],
      message: `rebuild acts on one function (${body.function}): rows of ${other.join(", ")} cannot be in the same request`,
    });
    return z.NEVER;
  }
  const all = body.all ?? false;
  const narrowing =
    filtersGiven(filters).filter((name) => name !== "function").length > 0 ||
    body.rows !== undefined;
  if (!narrowing && !all)
    ctx.addIssue({
      code: "custom",
      path: ["all"],
      message: `no filter narrows this rebuild, so it would restart ${body.function} on every till: narrow it with filters (--store, --group, ...) or confirm with "all": true (--all)`,
    });
  if (narrowing && all)
    ctx.addIssue({
      code: "custom",
      path: ["all"],
      message: `"all": true (--all) cannot be combined with filters: either narrow the rebuild or confirm every row`,
    });
  if (ctx.issues.length > 0) return z.NEVER;
  return {
    function: body.function,
    filters: { ...filters, function: [body.function] },
    ...(body.rows === undefined ? {} : { rows: body.rows }),
    all,
    dryRun: body.dryRun ?? false,
  };
});
