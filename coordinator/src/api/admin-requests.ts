import {
  functionNameSchema,
  semverSchema,
  storeIdSchema,
  workstationIdSchema,
} from "@tillroll/protocol/pure";
import { z } from "zod";
import { filtersSchema, strictObject } from "../fleet/filter-schema.js";
import { FILTER_PARAMS, type FilterName, type Filters, filtersGiven } from "../fleet/filters.js";

/**
 * The requests of the administration routes (workstation list/remove/rekey, pack
 * list/withdraw), as strict zod schemas like those of requests.ts.
 */

/**
 * A query taking only some of the fleet filters (same spellings and lists as `status`); any
 * other filter is refused, naming it and the ones this route takes.
 */
function someFilters<const N extends FilterName>(allowed: readonly N[], what: string) {
  const flags = allowed.map((name) => `--${FILTER_PARAMS[name]}`).join(", ");
  return filtersSchema.transform((filters, ctx): Pick<Filters, N> => {
    if (ctx.issues.length > 0) return z.NEVER;
    for (const name of filtersGiven(filters)) {
      if ((allowed as readonly FilterName[]).includes(name)) continue;
      ctx.addIssue({
        code: "custom",
        path: [FILTER_PARAMS[name]],
        message: `is not a filter of ${what} (it takes ${flags})`,
      });
    }
    return filters as Pick<Filters, N>;
  });
}

/** `GET /api/workstations?store=1001&group=DE`: the enrolled workstations, narrowed. */
export const workstationsQuery = someFilters(
  ["store", "workstation", "group"],
  "the workstation list",
);

/** `GET /api/packs?function=pos-client`: the published packs, of some functions. */
export const packsQuery = someFilters(["function"], "the pack list");

const workstationRefShape = { store: storeIdSchema, workstation: workstationIdSchema };

/** `POST /api/workstations/remove` and `/rekey`: one enrolled workstation. */
export const workstationRefBody = strictObject(workstationRefShape, "store, workstation");

const maintenanceShape = {
  ...workstationRefShape,
  active: z.boolean(),
  function: functionNameSchema.nullable().optional(),
  reason: z.string().trim().min(1).max(200).nullable().optional(),
};

/** Issue 13: `POST /api/maintenance`, the operator's maintenance switch of one workstation. */
export const maintenanceBody = strictObject(
  maintenanceShape,
  "store, workstation, active, function, reason",
).transform((body) => ({
  store: body.store,
  workstation: body.workstation,
  active: body.active,
  function: body.function ?? null,
  reason: body.reason ?? null,
}));

const packRefShape = { name: functionNameSchema, version: semverSchema };

/** `POST /api/packs/withdraw`: one published version of one function. */
export const packRefBody = strictObject(packRefShape, "name, version");
