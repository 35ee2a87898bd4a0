import { describe, expect, it } from "vitest";
import type { Operator } from "../../src/accounts/identity.js";
import {
  authorize,
  canManageOperator,
  type KnownRouteId,
  permissionFor,
  ROUTE_PERMISSIONS,
} from "../../src/accounts/permissions.js";
import { ROLES, type Role, roleRank } from "../../src/accounts/roles.js";
import { checkChangeScope, filterReadable, scopeContains } from "../../src/accounts/scope.js";
import { op } from "./helpers.js";

/**
 * Every route × every role × (unscoped or scoped caller) × (request inside
 * or crossing the scope). `exercise` does what the HTTP layer must do
 * (authorize, then limit scoped routes to the caller's rows); `expected`
 * states the rules of issue 9 independently of the code under test.
 */

const CALLER_SCOPES = [null, "DE/North"] as const;
const TARGETS = {
  "in scope": ["DE/North", "DE/North/Hamburg"],
  "out of scope": ["DE/North", "AT", "DE/South"],
} as const;
type TargetCase = keyof typeof TARGETS;

type Outcome = { allowed: true; visible?: string[] } | { allowed: false; status: number };

const OPERATOR_ROUTES = new Set<string>([
  "GET /api/operators",
  "POST /api/operators",
  "POST /api/operators/remove",
  "POST /api/operators/reset",
]);

function exercise(routeId: string, operator: Operator, groups: readonly string[]): Outcome {
  const decision = authorize(operator, routeId);
  if (!decision.ok) return { allowed: false, status: decision.status };
  if (permissionFor(routeId)?.scope !== "scoped") return { allowed: true };
  const isRead = routeId.startsWith("GET ");
  if (OPERATOR_ROUTES.has(routeId)) {
    // The "rows" of the operator routes are operators, each with its own scope.
    if (isRead)
      return { allowed: true, visible: groups.filter((g) => scopeContains(operator.scope, g)) };
    const refused = groups.some(
      (scope) => !canManageOperator(operator, { role: "viewer", scope }).ok,
    );
    return refused ? { allowed: false, status: 403 } : { allowed: true };
  }
  const rows = groups.map((group, i) => ({ store: `${1000 + i}`, workstation: "01", group }));
  if (isRead)
    return { allowed: true, visible: filterReadable(operator, rows).map((row) => row.group) };
  const scoped = checkChangeScope(operator, rows);
  return scoped.ok ? { allowed: true } : { allowed: false, status: 403 };
}

/** The rules, as the issue states them. */
function expected(
  routeId: KnownRouteId,
  role: Role,
  scope: string | null,
  target: TargetCase,
): Outcome {
  const { need, scope: rule } = ROUTE_PERMISSIONS[routeId];
  if (need === "public") return { allowed: true };
  if (roleRank(role) < roleRank(need)) return { allowed: false, status: 403 };
  if (rule === "platform")
    return scope === null ? { allowed: true } : { allowed: false, status: 403 };
  if (rule === "shared") return { allowed: true };
  const crosses = scope !== null && target === "out of scope";
  if (routeId.startsWith("GET ")) {
    const visible = crosses ? ["DE/North"] : [...TARGETS[target]];
    return { allowed: true, visible };
  }
  return crosses ? { allowed: false, status: 403 } : { allowed: true };
}

const ROUTES = Object.keys(ROUTE_PERMISSIONS) as KnownRouteId[];
const cases = ROUTES.flatMap((routeId) =>
  ROLES.flatMap((role) =>
    CALLER_SCOPES.flatMap((scope) =>
      (Object.keys(TARGETS) as TargetCase[]).map(
        (target) => [routeId, role, scope ?? "(no scope)", target, scope] as const,
      ),
    ),
  ),
);

describe("route × role × scope", () => {
  it("covers every combination", () => {
    expect(cases).toHaveLength(ROUTES.length * ROLES.length * 2 * 2);
  });

  it.each(cases)("%s as %s, %s, %s", (routeId, role, _label, target, scope) => {
    const operator = op(role, scope);
    expect(exercise(routeId, operator, TARGETS[target])).toEqual(
      expected(routeId, role, scope, target),
    );
  });

  it.each(ROUTES.flatMap((routeId) => ROLES.map((role) => [routeId, role] as const)))(
    "a refusal of %s to %s names the role needed",
    (routeId, role) => {
      const { need } = ROUTE_PERMISSIONS[routeId];
      const decision = authorize(op(role), routeId);
      if (need === "public" || roleRank(role) >= roleRank(need)) expect(decision.ok).toBe(true);
      else
        expect(decision).toMatchObject({
          ok: false,
          status: 403,
          message: expect.stringContaining(`needs the ${need} role; you are ${role}`),
        });
    },
  );

  it.each(ROLES.flatMap((role) => CALLER_SCOPES.map((scope) => [role, scope] as const)))(
    "an unknown route is refused to %s (scope %j)",
    (role, scope) => {
      for (const routeId of [
        "POST /api/skip",
        "GET /api/tasks",
        "DELETE /api/operators",
        "get /api/status",
      ])
        expect(authorize(op(role, scope), routeId)).toMatchObject({ ok: false, status: 403 });
    },
  );

  it.each(ROUTES)("%s without credentials: only login is open", (routeId) => {
    const decision = authorize(null, routeId);
    if (ROUTE_PERMISSIONS[routeId].need === "public") expect(decision).toEqual({ ok: true });
    else expect(decision).toMatchObject({ ok: false, status: 401 });
  });
});
