import { functionNameSchema, groupSchema, semverSchema } from "@tillroll/protocol/pure";
import { z } from "zod";
import { statusRowAnswer } from "./answers.js";

/** Answers of the web console's routes (issue 12); see console-routes.ts. */

const count = z.number().int().min(0);

/** Rows per status over the whole view (every filter and the caller's scope), all six always present. */
export const statusCountsAnswer = z.strictObject({
  OK: count,
  Prepared: count,
  "In Progress": count,
  "Not Ready": count,
  "Rolled Back": count,
  Failed: count,
});

/** A status page row: the status row and what the console's controls need. */
export const pageRowAnswer = statusRowAnswer.safeExtend({
  /** The semver versions the row may be set to, newest first (the console adds "-"). */
  allowedVersions: z.array(semverSchema),
  /** False while In Progress: the row cannot be picked for a change. */
  selectable: z.boolean(),
  /** The store's IANA zone (`tillroll store set --tz`), else null. */
  storeZone: z.string().nullable(),
});

/** `GET /api/status/page`: one page, the view's total and its counts by status. */
export const statusPageAnswer = z.strictObject({
  total: count,
  offset: count,
  limit: z.number().int().min(1),
  counts: statusCountsAnswer,
  rows: z.array(pageRowAnswer),
});

/** `GET /api/status/facets`: distinct values in the caller's scope, for the filter bar. */
export const statusFacetsAnswer = z.strictObject({
  groups: z.array(groupSchema),
  functions: z.array(functionNameSchema),
  /** Active or preferred versions, semver newest first. */
  versions: z.array(semverSchema),
});
