import {
  functionNameSchema,
  requestIdSchema,
  storeIdSchema,
  workstationIdSchema,
} from "@tillroll/protocol/pure";
import { z } from "zod";
import { strictObject } from "../fleet/filter-schema.js";
import { installLogAnswer, liveEventAnswer } from "./live-answers.js";
import { statusQuery } from "./requests.js";
import { NONE, type RouteSpec } from "./route-spec.js";

/** `GET /api/install-log?store=S&workstation=W&function=F[&request=ID][&after=N]`: one row's kept log. */
export const installLogQuery = strictObject(
  {
    store: storeIdSchema,
    workstation: workstationIdSchema,
    function: functionNameSchema,
    request: requestIdSchema.optional(),
    after: z
      .string()
      .regex(/^\d{1,15}$/, { error: "after must be a whole number (the `next` of an answer)" })
      .transform(Number)
      .optional()
      .meta({ description: "only lines kept after this cursor (the `next` of an earlier answer)" }),
  },
  "store, workstation, function, request, after",
  "query parameter",
);

/**
 * The console's live routes (issue 12, CONSOLE-API.md §4–§5): the event
 * stream of a status view and the install log the coordinator kept.
 */
export const LIVE_ROUTES = {
  events: {
    method: "GET",
    path: "/api/events",
    auth: "operator",
    query: statusQuery,
    queryExample: { status: ["failed", "rolled-back"], group: "DE" },
    body: NONE,
    status: 200,
    stream: "sse",
    answer: liveEventAnswer,
    summary:
      "Server-sent events of the rows passing the filters (in your scope): rows, gone, counts, resync, ended",
  },
  installLog: {
    method: "GET",
    path: "/api/install-log",
    auth: "operator",
    query: installLogQuery,
    queryExample: { store: "1001", workstation: "01", function: "pos-client" },
    body: NONE,
    status: 200,
    answer: installLogAnswer,
    summary:
      "The install log lines the coordinator kept of one row (of one request; after a cursor), oldest first",
  },
} as const satisfies Record<string, RouteSpec>;
