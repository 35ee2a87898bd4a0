import { storeIdSchema, timestampSchema, workstationIdSchema } from "@tillroll/protocol/pure";
import { z } from "zod";
import { strictObject } from "../fleet/filter-schema.js";
import { noQuery } from "./requests.js";
import { json, type RouteSpec } from "./route-spec.js";

/** `POST /api/pos-session/release`: one workstation, why, and whether to skip the stale check. */
export const posSessionReleaseBody = strictObject(
  {
    store: storeIdSchema,
    workstation: workstationIdSchema,
    reason: z.string().trim().min(1, "say why (--reason TEXT): it goes into the audit").max(200),
    force: z.boolean().default(false),
  },
  "store, workstation, reason, force",
);

export const posSessionReleaseAnswer = z.strictObject({
  store: z.string(),
  workstation: z.string(),
  release: z.strictObject({ sessionSeq: z.number().int(), by: z.string(), at: timestampSchema }),
  /** `store/ws/function: reason` of the rows that reported the session stale. */
  staleRows: z.array(z.string()),
});

/** Issue 13: the audited way out of a stale POS session (`tillroll pos-session release`). */
export const POS_SESSION_ROUTES = {
  posSessionRelease: {
    method: "POST",
    path: "/api/pos-session/release",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(posSessionReleaseBody, {
      store: "1001",
      workstation: "01",
      reason: "POS crashed at 10:42, till restarted by the store manager",
      force: false,
    }),
    status: 200,
    answer: posSessionReleaseAnswer,
    summary:
      "Release a stale POS session (a POS that crashed with users logged in): admin, or an operator when a row runs a forced release task's request",
  },
} as const satisfies Record<string, RouteSpec>;
