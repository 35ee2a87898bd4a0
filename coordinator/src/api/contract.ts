/**
 * The console API's contract as the browser imports it (coordinator/web):
 * the route table, the request/answer types, and who may call what. The web
 * console has no request or answer types of its own; it takes them from here.
 *
 * Only pure modules may be reached from this file (no `node:` imports): a
 * test walks the import graph from here and fails on any.
 */
// First, before any module that builds a schema: zod without `new Function` (CSP).
import "./zod-jitless.js";

export { STATUSES, type Status } from "@tillroll/protocol/pure";
export { canApprove, mayCall, ROUTE_PERMISSIONS, routeIdOf } from "../accounts/permissions.js";
export { ROLES, type Role, roleAllows } from "../accounts/roles.js";
export { FILTER_PARAMS, LIST_FILTERS } from "../fleet/filters.js";
export {
  DEFAULT_PAGE_LIMIT,
  PAGE_SORTS,
  type PageSort,
  SORT_DIRS,
  type SortDir,
} from "../fleet/fleet-page.js";
export { stageCountsAnswer } from "./release-answers.js";
export {
  type Answer,
  API_ROUTES,
  type RequestBody,
  type RequestQuery,
  type RouteName,
  type Routes,
} from "./routes.js";
