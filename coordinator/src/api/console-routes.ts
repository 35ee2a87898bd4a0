import { statusFacetsAnswer, statusPageAnswer } from "./console-answers.js";
import { statusPageQuery } from "./console-requests.js";
import { noQuery } from "./requests.js";
import { NONE, type RouteSpec } from "./route-spec.js";

/**
 * The web console's routes (issue 12) of the API table (routes.ts spreads
 * them in): the status mask's page and its filter bar's suggestions.
 */
export const CONSOLE_ROUTES = {
  statusPage: {
    method: "GET",
    path: "/api/status/page",
    auth: "operator",
    query: statusPageQuery,
    queryExample: {
      group: "DE",
      status: ["failed", "rolled-back"],
      offset: "0",
      limit: "100",
      sort: "validFrom",
      dir: "desc",
    },
    body: NONE,
    status: 200,
    answer: statusPageAnswer,
    summary:
      "One page of the status overview (filters, offset/limit, sort/dir), the view's total and counts by status",
  },
  statusFacets: {
    method: "GET",
    path: "/api/status/facets",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: NONE,
    status: 200,
    answer: statusFacetsAnswer,
    summary: "The business unit groups, functions and versions in the caller's scope",
  },
} as const satisfies Record<string, RouteSpec>;
