import type { Operator } from "./identity.js";
import { listRoles, type Role, roleAllows, roleRank } from "./roles.js";
import { describeScope, scopeContains } from "./scope.js";

/**
 * The route × role table: the one place that says who may call what. The
 * HTTP layer asks `authorize` before running any handler; a route missing
 * here is refused (deny by default), and the README prints this table
 * (`permissionTableMarkdown`).
 *
 * `scope` says how the caller's business unit group applies:
 * - `scoped`: the handler limits the request to the caller's scope: a change
 *   that reaches rows outside it is refused whole (`checkChangeScope`), a read
 *   shows only the rows inside it (`filterReadable`), operators are managed
 *   only inside it (`canManageOperator`).
 * - `shared`: not about fleet rows (the pack list, one's own session): the
 *   same for every scope.
 * - `platform`: fleet-wide effect, so only callers without a scope (for
 *   admin routes: the platform admin, not a partner admin).
 */
export type ScopeRule = "scoped" | "shared" | "platform";

export interface RoutePermission {
  /** The lowest role allowed, or `public` for no sign-in at all. */
  readonly need: Role | "public";
  readonly scope: ScopeRule;
  /** The action as people say it (CLI command), used in refusals. */
  readonly action: string;
}

/** `METHOD /path`, exactly as the HTTP layer routes it. */
export type RouteId = `${"GET" | "POST" | "PUT" | "PATCH" | "DELETE"} /${string}`;

export const ROUTE_PERMISSIONS = {
  "GET /api/status": { need: "viewer", scope: "scoped", action: "status" },
  // The web console's status mask (issue 12): a page of the same rows, and filter suggestions.
  "GET /api/status/page": { need: "viewer", scope: "scoped", action: "status page" },
  "GET /api/status/facets": { need: "viewer", scope: "scoped", action: "status facets" },
  "GET /api/versions": { need: "viewer", scope: "scoped", action: "versions" },
  "GET /api/audit": { need: "viewer", scope: "scoped", action: "audit" },
  // The web console (issue 12): live updates of a status view and a row's install log.
  "GET /api/events": { need: "viewer", scope: "scoped", action: "live updates" },
  "GET /api/install-log": { need: "viewer", scope: "scoped", action: "install log" },
  "GET /api/packs": { need: "viewer", scope: "shared", action: "pack list" },
  "POST /api/set-preferred": { need: "operator", scope: "scoped", action: "set-preferred" },
  "POST /api/retry": { need: "operator", scope: "scoped", action: "retry" },
  "GET /api/workstations": { need: "viewer", scope: "scoped", action: "workstation list" },
  "POST /api/workstations": { need: "admin", scope: "scoped", action: "workstation add" },
  "POST /api/workstations/remove": {
    need: "admin",
    scope: "scoped",
    action: "workstation remove",
  },
  "POST /api/workstations/rekey": { need: "admin", scope: "scoped", action: "workstation rekey" },
  // Packs are fleet-wide: a pack one partner publishes is offered to every group.
  "POST /api/packs": { need: "admin", scope: "platform", action: "pack publish" },
  "POST /api/packs/withdraw": { need: "admin", scope: "platform", action: "pack withdraw" },
  // Every till's broker password hashes: the platform admin's, like enrolment across the fleet.
  "GET /api/broker-config/mosquitto": {
    need: "admin",
    scope: "platform",
    action: "broker-config mosquitto",
  },
  "GET /api/operators": { need: "admin", scope: "scoped", action: "operator list" },
  "POST /api/operators": { need: "admin", scope: "scoped", action: "operator add" },
  "POST /api/operators/remove": { need: "admin", scope: "scoped", action: "operator remove" },
  "POST /api/operators/reset": { need: "admin", scope: "scoped", action: "operator reset" },
  // Release tasks (issue 10): a release only reaches rows in its creator's scope; who may
  // approve a checkpoint beyond the role (four eyes, canApprove) is the operation's check.
  "GET /api/releases": { need: "viewer", scope: "scoped", action: "release list" },
  "GET /api/releases/show": { need: "viewer", scope: "scoped", action: "release show" },
  "POST /api/releases": { need: "operator", scope: "scoped", action: "release create" },
  "POST /api/releases/start": { need: "operator", scope: "scoped", action: "release start" },
  "POST /api/releases/approve": { need: "approver", scope: "scoped", action: "release approve" },
  "POST /api/releases/reject": { need: "approver", scope: "scoped", action: "release reject" },
  "POST /api/releases/trigger": { need: "operator", scope: "scoped", action: "release trigger" },
  "POST /api/releases/pause": { need: "operator", scope: "scoped", action: "release pause" },
  "POST /api/releases/resume": { need: "operator", scope: "scoped", action: "release resume" },
  "POST /api/releases/retry": { need: "operator", scope: "scoped", action: "release retry" },
  "POST /api/releases/rollback": { need: "operator", scope: "scoped", action: "release rollback" },
  "POST /api/releases/cancel": { need: "operator", scope: "scoped", action: "release cancel" },
  // Schedules (issue 11): a partner admin only inside its scope, platform maintenance only
  // the platform admin (both decided by the operation); lists filtered to the caller's scope.
  "GET /api/windows": { need: "viewer", scope: "scoped", action: "window list" },
  "POST /api/windows": { need: "admin", scope: "scoped", action: "window set" },
  "POST /api/windows/remove": { need: "admin", scope: "scoped", action: "window remove" },
  "POST /api/stores": { need: "admin", scope: "scoped", action: "store set" },
  "GET /api/blackouts": { need: "viewer", scope: "scoped", action: "blackout list" },
  "POST /api/blackouts": { need: "admin", scope: "scoped", action: "blackout add" },
  "POST /api/blackouts/remove": { need: "admin", scope: "scoped", action: "blackout remove" },
  // The login page shows upcoming platform maintenance before anyone signs in.
  "GET /api/notices": { need: "public", scope: "shared", action: "notices" },
  // Webhooks (issue 11) carry every group's notices and hold secrets: the platform admin's.
  "GET /api/webhooks": { need: "admin", scope: "platform", action: "webhook list" },
  "POST /api/webhooks": { need: "admin", scope: "platform", action: "webhook add" },
  "POST /api/webhooks/remove": { need: "admin", scope: "platform", action: "webhook remove" },
  "POST /api/session": { need: "public", scope: "shared", action: "login" },
  "GET /api/session": { need: "viewer", scope: "shared", action: "whoami" },
  // POST, not DELETE: the API's routes are GET (reads) and POST (changes) only.
  "POST /api/session/end": { need: "viewer", scope: "shared", action: "logout" },
  // Recipes (issue 13): set/unset an admin's (a partner admin inside its scope, decided by the
  // operation); reads for any role, secrets always masked; a rebuild is an operator's change.
  "POST /api/recipes": { need: "admin", scope: "scoped", action: "recipe set" },
  "GET /api/recipes": { need: "viewer", scope: "scoped", action: "recipe show" },
  "GET /api/recipes/history": { need: "viewer", scope: "scoped", action: "recipe history" },
  "POST /api/recipes/unset": { need: "admin", scope: "scoped", action: "recipe unset" },
  "GET /api/updates": { need: "viewer", scope: "scoped", action: "updates" },
  "POST /api/rebuild": { need: "operator", scope: "scoped", action: "rebuild" },
  // Issue 13: an operator only for a row running a forced task's request (the operation decides).
  "POST /api/pos-session/release": {
    need: "operator",
    scope: "scoped",
    action: "pos-session release",
  },
  // Issue 13: the operator's maintenance switch of a workstation (audited).
  "POST /api/maintenance": { need: "admin", scope: "scoped", action: "maintenance" },
} as const satisfies Record<RouteId, RoutePermission>;

export type KnownRouteId = keyof typeof ROUTE_PERMISSIONS;

export type Authorization = { ok: true } | { ok: false; status: 401 | 403; message: string };

const ALLOWED: Authorization = { ok: true };

function refuse(status: 401 | 403, message: string): Authorization {
  return { ok: false, status, message };
}

export function permissionFor(routeId: string): RoutePermission | undefined {
  return Object.hasOwn(ROUTE_PERMISSIONS, routeId)
    ? ROUTE_PERMISSIONS[routeId as KnownRouteId]
    : undefined;
}

/** The lowest role a route needs, `public`, or undefined for a route the table does not know. */
export function requiredRole(routeId: string): Role | "public" | undefined {
  return permissionFor(routeId)?.need;
}

/** `viewer`, or `admin with scope DE/North`: how refusals name the caller. */
function describeCaller(operator: Operator): string {
  return operator.scope === null ? operator.role : `${operator.role} with scope ${operator.scope}`;
}

/**
 * May `operator` (null: nobody signed in) call `routeId` at all? The role
 * and `platform` rules are decided here; `scoped` routes then limit the rows
 * inside the handler. Unknown routes are refused: a new route does nothing
 * until someone writes down who may call it.
 */
export function authorize(operator: Operator | null, routeId: string): Authorization {
  const permission = permissionFor(routeId);
  if (permission === undefined)
    return refuse(403, `refused: ${routeId} has no entry in the permission table`);
  if (permission.need === "public") return ALLOWED;
  if (operator === null)
    return refuse(
      401,
      "sign in first: pass --token or set TILLROLL_TOKEN, or run `tillroll login`",
    );
  if (!roleAllows(operator.role, permission.need))
    return refuse(
      403,
      `${permission.action} needs the ${permission.need} role; you are ${operator.role}`,
    );
  if (permission.scope === "platform" && operator.scope !== null)
    return refuse(
      403,
      `${permission.action} needs ${article(permission.need)} ${permission.need} without a scope (platform level); you are ${describeCaller(operator)}`,
    );
  return ALLOWED;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}

/**
 * Four eyes: an approver (or above) may approve or reject a checkpoint of a
 * release task, but never of one they created themselves.
 */
export function canApprove(
  operator: Operator,
  task: { readonly createdBy: string },
): Authorization {
  if (!roleAllows(operator.role, "approver"))
    return refuse(403, `approve needs the approver role; you are ${operator.role}`);
  if (task.createdBy === operator.name)
    return refuse(
      403,
      `refused: you created this task, so another approver must approve it (four eyes)`,
    );
  return ALLOWED;
}

/**
 * Who may add, reset or remove whom: an admin, for operators whose scope lies
 * inside its own. So a partner admin manages its partner's people (any role,
 * itself included) but can never create someone who sees more than it does.
 */
export function canManageOperator(
  actor: Operator,
  target: { readonly role: Role; readonly scope: string | null },
): Authorization {
  if (!roleAllows(actor.role, "admin"))
    return refuse(403, `managing operators needs the admin role; you are ${actor.role}`);
  if (!scopeContains(actor.scope, target.scope))
    return refuse(
      403,
      `refused: an operator with scope ${describeScope(target.scope)} is outside your scope ${describeScope(actor.scope)}`,
    );
  return ALLOWED;
}

/** `operator list` for a partner admin: only the operators it could manage. */
export function filterManageable<T extends { readonly scope: string | null }>(
  actor: Operator,
  operators: readonly T[],
): T[] {
  return operators.filter((target) => scopeContains(actor.scope, target.scope));
}

/** Route ids the HTTP layer serves that have no permission entry: must be empty (test it). */
export function routesWithoutPermission(routeIds: Iterable<string>): string[] {
  return [...routeIds].filter((routeId) => permissionFor(routeId) === undefined).sort();
}

/** The table as Markdown for the README, lowest role first, then by route. */
export function permissionTableMarkdown(): string {
  const rank = (need: Role | "public") => (need === "public" ? -1 : roleRank(need));
  const scopeText: Record<ScopeRule, string> = {
    scoped: "rows in the caller's scope",
    shared: "same for every scope",
    platform: "callers without a scope only",
  };
  const rows = (Object.entries(ROUTE_PERMISSIONS) as [string, RoutePermission][])
    .sort(([a, pa], [b, pb]) => rank(pa.need) - rank(pb.need) || a.localeCompare(b))
    .map(
      ([routeId, p]) =>
        `| \`${routeId}\` | ${p.action} | ${p.need === "public" ? "public (no sign-in)" : p.need} | ${scopeText[p.scope]} |`,
    );
  return [
    `Roles, each including the one before: ${listRoles()}.`,
    "",
    "| Route | Action | Lowest role | Scope |",
    "| --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** `METHOD /path` of a route spec: the key of ROUTE_PERMISSIONS. */
export function routeIdOf(route: { readonly method: string; readonly path: string }): string {
  return `${route.method} ${route.path}`;
}

/**
 * May a caller with `role` and `scope` (null: platform level) call the route
 * at all? The web console asks this to offer only what the server would
 * allow (the server still decides with `authorize`).
 */
export function mayCall(
  who: { readonly role: Role; readonly scope: string | null },
  route: { readonly method: string; readonly path: string },
): boolean {
  const permission = permissionFor(routeIdOf(route));
  if (permission === undefined) return false;
  if (permission.need === "public") return true;
  if (!roleAllows(who.role, permission.need)) return false;
  return permission.scope !== "platform" || who.scope === null;
}
