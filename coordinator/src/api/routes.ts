import type { z } from "zod";
import { auditQuery, loginBody, operatorAddBody, operatorRefBody } from "./account-requests.js";
import {
  maintenanceBody,
  packRefBody,
  packsQuery,
  workstationRefBody,
  workstationsQuery,
} from "./admin-requests.js";
import { ANSWERS } from "./answers.js";
import { CONSOLE_ROUTES } from "./console-routes.js";
import { LIVE_ROUTES } from "./live-routes.js";
import { POS_SESSION_ROUTES } from "./pos-session-routes.js";
import { RECIPE_ROUTES } from "./recipe-routes.js";
import { RELEASE_ROUTES } from "./release-routes.js";
import {
  enrolBody,
  noQuery,
  retryBody,
  setPreferredBody,
  statusQuery,
  versionsQuery,
} from "./requests.js";
import { json, NONE, type RouteSpec } from "./route-spec.js";
import { SCHEDULE_ROUTES } from "./schedule-routes.js";
import { WEBHOOK_ROUTES } from "./webhook-routes.js";

/**
 * The console API's contract: every route with its method, path, who may
 * call it, and the one strict schema its query and its body are parsed
 * with. The HTTP server routes and parses by this table, the console (CLI)
 * takes its request types from it, and tests generate their cases from it,
 * so a new route is covered by adding one entry.
 *
 * Every answer is a zod schema too (api/answers.ts), and
 * coordinator/openapi.json is generated from this table (api/openapi.ts).
 */

export type { BodySpec, RouteSpec } from "./route-spec.js";

export const API_ROUTES = {
  enrol: {
    method: "POST",
    path: "/api/workstations",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(enrolBody, {
      workstations: [{ store: "1001", workstation: "01", group: "DE/North" }],
    }),
    status: 201,
    answer: ANSWERS.EnrolAnswer,
    summary: "Enrol one workstation, or many at once (all or none)",
  },
  publishPack: {
    method: "POST",
    path: "/api/packs",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: { kind: "pack-upload" },
    status: 201,
    answer: ANSWERS.PackRecord,
    summary: "Publish a function pack (the .tgz as the body)",
  },
  listPacks: {
    method: "GET",
    path: "/api/packs",
    auth: "operator",
    query: packsQuery,
    queryExample: { function: "pos-client" },
    body: NONE,
    status: 200,
    answer: ANSWERS.PackList,
    summary: "The published packs (of the functions given), withdrawn ones too",
  },
  withdrawPack: {
    method: "POST",
    path: "/api/packs/withdraw",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(packRefBody, { name: "pos-client", version: "1.2.0" }),
    status: 200,
    answer: ANSWERS.WithdrawResult,
    summary: "Withdraw a pack version: no new request may name it; rows running it are untouched",
  },
  listWorkstations: {
    method: "GET",
    path: "/api/workstations",
    auth: "operator",
    query: workstationsQuery,
    queryExample: { store: "1001,2002", group: "DE" },
    body: NONE,
    status: 200,
    answer: ANSWERS.WorkstationList,
    summary: "The enrolled workstations passing the filters",
  },
  removeWorkstation: {
    method: "POST",
    path: "/api/workstations/remove",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(workstationRefBody, { store: "1001", workstation: "01" }),
    status: 200,
    answer: ANSWERS.RemoveResult,
    summary: "Remove a workstation: its logins, desired state and fleet rows",
  },
  rekeyWorkstation: {
    method: "POST",
    path: "/api/workstations/rekey",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(workstationRefBody, { store: "1001", workstation: "01" }),
    status: 200,
    answer: ANSWERS.RekeyResult,
    summary: "New agent and POS passwords for a workstation; the old ones stop working at once",
  },
  status: {
    method: "GET",
    path: "/api/status",
    auth: "operator",
    query: statusQuery,
    queryExample: { store: "1001,2002", status: ["failed", "rolled-back"], group: "DE" },
    body: NONE,
    status: 200,
    answer: ANSWERS.StatusRows,
    summary: "Flow-service rows passing the filters",
  },
  versions: {
    method: "GET",
    path: "/api/versions",
    auth: "operator",
    query: versionsQuery,
    queryExample: { function: "pos-client", store: "1001" },
    body: NONE,
    status: 200,
    answer: ANSWERS.VersionsReport,
    summary: "The versions one function's matching rows may be set to, newest first",
  },
  setPreferred: {
    method: "POST",
    path: "/api/set-preferred",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(setPreferredBody, {
      function: "pos-client",
      version: "1.1.0",
      validFrom: "2026-11-21T22:00:00Z",
      install: false,
      filters: { store: ["1001", "2002"], status: "prepared" },
      dryRun: false,
    }),
    status: 200,
    answer: ANSWERS.ChangeReport,
    summary: "Set the preferred version of a function on the matching rows",
  },
  retry: {
    method: "POST",
    path: "/api/retry",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(retryBody, { filters: { status: ["failed", "rolled-back"], group: "DE" } }),
    status: 200,
    answer: ANSWERS.ChangeReport,
    summary: "Retry Failed, Rolled Back and Not Ready rows",
  },
  audit: {
    method: "GET",
    path: "/api/audit",
    auth: "operator",
    query: auditQuery,
    queryExample: { operator: "anna", from: "2026-11-30T00:00:00Z", to: "2026-11-30T23:59:59Z" },
    body: NONE,
    status: 200,
    answer: ANSWERS.AuditEntries,
    summary:
      "The audit log of console actions (of one operator with ?operator=NAME; within ?from=ISO&to=ISO, inclusive)",
  },
  listOperators: {
    method: "GET",
    path: "/api/operators",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: NONE,
    status: 200,
    answer: ANSWERS.Operators,
    summary: "The operators (a partner admin sees those inside its scope)",
  },
  addOperator: {
    method: "POST",
    path: "/api/operators",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(operatorAddBody, {
      name: "anna",
      role: "operator",
      scope: "DE/North",
      email: "anna@example.com",
    }),
    status: 201,
    answer: ANSWERS.IssuedOperator,
    summary: "Add an operator; the answer carries its API token and password, shown once",
  },
  removeOperator: {
    method: "POST",
    path: "/api/operators/remove",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(operatorRefBody, { name: "anna" }),
    status: 200,
    answer: ANSWERS.Operator,
    summary: "Remove an operator: its token, password and sessions stop working at once",
  },
  resetOperator: {
    method: "POST",
    path: "/api/operators/reset",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(operatorRefBody, { name: "anna" }),
    status: 200,
    answer: ANSWERS.IssuedOperator,
    summary: "New token and password for an operator; the old ones stop working at once",
  },
  login: {
    method: "POST",
    path: "/api/session",
    auth: "public",
    query: noQuery,
    queryExample: {},
    body: json(loginBody, { name: "anna", password: "correct horse battery staple" }),
    status: 200,
    answer: ANSWERS.Session,
    summary:
      "Log in: sets the session cookie and answers its CSRF token, or with token:true answers a bearer session token",
  },
  whoami: {
    method: "GET",
    path: "/api/session",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: NONE,
    status: 200,
    answer: ANSWERS.Session,
    summary: "Who the caller is: name, role and scope",
  },
  logout: {
    method: "POST",
    path: "/api/session/end",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: NONE,
    status: 200,
    answer: ANSWERS.LoggedOut,
    summary: "Log out: ends the cookie's session or the bearer session token",
  },
  // Release tasks (issue 10): `tillroll release VERB` (release-routes.ts).
  ...RELEASE_ROUTES,
  // Maintenance windows, store settings, blackouts, notices (issue 11): schedule-routes.ts.
  ...SCHEDULE_ROUTES,
  // Webhooks (issue 11): `tillroll webhook add|list|remove` (webhook-routes.ts).
  ...WEBHOOK_ROUTES,
  // The web console (issue 12): the status page and its suggestions (console-routes.ts).
  ...CONSOLE_ROUTES,
  // The web console's live updates and install log (issue 12): live-routes.ts.
  ...LIVE_ROUTES,
  // `tillroll broker-config mosquitto`: accounts and hashes for an external broker.
  mosquittoAccounts: {
    method: "GET",
    path: "/api/broker-config/mosquitto",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: NONE,
    status: 200,
    answer: ANSWERS.MosquittoAccounts,
    summary: "Broker accounts with Mosquitto password hashes, topic root and TLS files",
  },
  // Recipes and rebuild (issue 13): `tillroll recipe …`, `updates`, `rebuild` (recipe-routes.ts).
  ...RECIPE_ROUTES,
  // Issue 13: `tillroll pos-session release` (pos-session-routes.ts).
  ...POS_SESSION_ROUTES,
  // Issue 13: `tillroll maintenance on|off STORE/WS [--function F] [--reason TEXT]`.
  maintenance: {
    method: "POST",
    path: "/api/maintenance",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(maintenanceBody, {
      store: "1001",
      workstation: "01",
      active: true,
      function: null,
      reason: "stock-taking",
    }),
    status: 200,
    answer: ANSWERS.MaintenanceResult,
    summary: "Switch a workstation's maintenance mode on or off (its POS admits no new logins)",
  },
} as const satisfies Record<string, RouteSpec>;

export type Routes = typeof API_ROUTES;
export type RouteName = keyof Routes;

type JsonSchemaOf<N extends RouteName> = Routes[N]["body"] extends {
  kind: "json";
  schema: infer S extends z.ZodType;
}
  ? S
  : never;

/** What a client sends as the JSON body of route `N`. */
export type RequestBody<N extends RouteName> = z.input<JsonSchemaOf<N>>;
/** What the server hands the operation after parsing route `N`'s body. */
export type ParsedBody<N extends RouteName> = z.output<JsonSchemaOf<N>>;
/** What a client sends as the query of route `N` (values: one string, comma-separated, or several). */
export type RequestQuery<N extends RouteName> = z.input<Routes[N]["query"]>;
export type ParsedQuery<N extends RouteName> = z.output<Routes[N]["query"]>;
/** What route `N` answers with. */
export type Answer<N extends RouteName> = z.input<Routes[N]["answer"]>;

/** The route for `method` and `path`, if any. */
export function findRoute(method: string, path: string): RouteName | undefined {
  for (const [name, route] of Object.entries(API_ROUTES) as [RouteName, RouteSpec][]) {
    if (route.method === method && route.path === path) return name;
  }
  return undefined;
}
