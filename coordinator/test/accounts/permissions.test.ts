import { describe, expect, it } from "vitest";
import {
  authorize,
  canApprove,
  canManageOperator,
  filterManageable,
  permissionTableMarkdown,
  ROUTE_PERMISSIONS,
  requiredRole,
  routesWithoutPermission,
} from "../../src/accounts/permissions.js";
import { op } from "./helpers.js";

describe("the route table", () => {
  // Written out by hand on purpose: a change to who may call what must show up here.
  it("says which role each route needs", () => {
    const needs = Object.fromEntries(
      Object.entries(ROUTE_PERMISSIONS).map(([route, p]) => [route, `${p.need}/${p.scope}`]),
    );
    expect(needs).toEqual({
      "GET /api/status": "viewer/scoped",
      "GET /api/status/page": "viewer/scoped",
      "GET /api/status/facets": "viewer/scoped",
      "GET /api/versions": "viewer/scoped",
      "GET /api/audit": "viewer/scoped",
      "GET /api/events": "viewer/scoped",
      "GET /api/install-log": "viewer/scoped",
      "GET /api/packs": "viewer/shared",
      "POST /api/set-preferred": "operator/scoped",
      "POST /api/retry": "operator/scoped",
      "GET /api/workstations": "viewer/scoped",
      "POST /api/workstations": "admin/scoped",
      "POST /api/workstations/remove": "admin/scoped",
      "POST /api/workstations/rekey": "admin/scoped",
      "POST /api/packs": "admin/platform",
      "POST /api/packs/withdraw": "admin/platform",
      "GET /api/broker-config/mosquitto": "admin/platform",
      "GET /api/operators": "admin/scoped",
      "POST /api/operators": "admin/scoped",
      "POST /api/operators/remove": "admin/scoped",
      "POST /api/operators/reset": "admin/scoped",
      "POST /api/session": "public/shared",
      "GET /api/session": "viewer/shared",
      "POST /api/session/end": "viewer/shared",
      "POST /api/pos-session/release": "operator/scoped",
      // Release tasks (issue 10): four eyes on approve/reject is the operation's check.
      "GET /api/releases": "viewer/scoped",
      "GET /api/releases/show": "viewer/scoped",
      "POST /api/releases": "operator/scoped",
      "POST /api/releases/start": "operator/scoped",
      "POST /api/releases/approve": "approver/scoped",
      "POST /api/releases/reject": "approver/scoped",
      "POST /api/releases/trigger": "operator/scoped",
      "POST /api/releases/pause": "operator/scoped",
      "POST /api/releases/resume": "operator/scoped",
      "POST /api/releases/retry": "operator/scoped",
      "POST /api/releases/rollback": "operator/scoped",
      "POST /api/releases/cancel": "operator/scoped",
      // Webhooks (issue 11): the platform admin's.
      "GET /api/webhooks": "admin/platform",
      "POST /api/webhooks": "admin/platform",
      "POST /api/webhooks/remove": "admin/platform",
      // Schedules (issue 11): partner scope and platform maintenance are the operation's checks.
      "GET /api/windows": "viewer/scoped",
      "POST /api/windows": "admin/scoped",
      "POST /api/windows/remove": "admin/scoped",
      "POST /api/stores": "admin/scoped",
      "GET /api/blackouts": "viewer/scoped",
      "POST /api/blackouts": "admin/scoped",
      "POST /api/blackouts/remove": "admin/scoped",
      "GET /api/notices": "public/shared",
      // Recipes (issue 13): a partner admin's scope is the operation's check; reads mask secrets.
      "POST /api/recipes": "admin/scoped",
      "GET /api/recipes": "viewer/scoped",
      "GET /api/recipes/history": "viewer/scoped",
      "POST /api/recipes/unset": "admin/scoped",
      "GET /api/updates": "viewer/scoped",
      "POST /api/rebuild": "operator/scoped",
      // Issue 13: the operator's maintenance switch.
      "POST /api/maintenance": "admin/scoped",
    });
  });

  it("answers requiredRole, undefined for unknown routes", () => {
    expect(requiredRole("POST /api/set-preferred")).toBe("operator");
    expect(requiredRole("POST /api/session")).toBe("public");
    expect(requiredRole("POST /api/launch-missiles")).toBeUndefined();
    expect(requiredRole("toString")).toBeUndefined();
  });

  it("lists routes the HTTP layer serves without a permission entry", () => {
    expect(
      routesWithoutPermission(["GET /api/status", "POST /api/skip", "GET /api/tasks"]),
    ).toEqual(["GET /api/tasks", "POST /api/skip"]);
  });

  it("prints as a Markdown table for the README", () => {
    const markdown = permissionTableMarkdown();
    expect(markdown).toContain("| Route | Action | Lowest role | Scope |");
    expect(markdown).toContain(
      "| `POST /api/set-preferred` | set-preferred | operator | rows in the caller's scope |",
    );
    expect(markdown).toContain(
      "| `POST /api/packs` | pack publish | admin | callers without a scope only |",
    );
    expect(markdown.split("\n").filter((line) => line.startsWith("| `"))).toHaveLength(
      Object.keys(ROUTE_PERMISSIONS).length,
    );
    // lowest role first: public before viewer before admin
    expect(markdown.indexOf("POST /api/session")).toBeLessThan(markdown.indexOf("GET /api/status"));
    expect(markdown.indexOf("GET /api/status")).toBeLessThan(markdown.indexOf("POST /api/packs"));
  });
});

describe("authorize: key cases", () => {
  it("refuses a viewer set-preferred with 403 naming the operator role", () => {
    expect(authorize(op("viewer"), "POST /api/set-preferred")).toEqual({
      ok: false,
      status: 403,
      message: "set-preferred needs the operator role; you are viewer",
    });
  });

  it("refuses an approver enrolment, naming admin", () => {
    expect(authorize(op("approver"), "POST /api/workstations")).toEqual({
      ok: false,
      status: 403,
      message: "workstation add needs the admin role; you are approver",
    });
  });

  it("refuses a partner admin a fleet-wide pack upload, the platform admin not", () => {
    expect(authorize(op("admin", "DE/North"), "POST /api/packs")).toEqual({
      ok: false,
      status: 403,
      message:
        "pack publish needs an admin without a scope (platform level); you are admin with scope DE/North",
    });
    expect(authorize(op("admin"), "POST /api/packs")).toEqual({ ok: true });
  });

  it("refuses an unknown route even to the platform admin (deny by default)", () => {
    expect(authorize(op("admin"), "POST /api/launch-missiles")).toEqual({
      ok: false,
      status: 403,
      message: "refused: POST /api/launch-missiles has no entry in the permission table",
    });
  });

  it("asks a caller without credentials to sign in (401), except for login itself", () => {
    expect(authorize(null, "GET /api/status")).toEqual({
      ok: false,
      status: 401,
      message: "sign in first: pass --token or set TILLROLL_TOKEN, or run `tillroll login`",
    });
    expect(authorize(null, "POST /api/session")).toEqual({ ok: true });
  });
});

describe("canApprove (four eyes)", () => {
  const task = { createdBy: "anna" };

  it.each([
    [op("approver", null, "bert"), { ok: true }],
    [op("admin", "DE", "bert"), { ok: true }],
    [
      op("operator", null, "bert"),
      { ok: false, status: 403, message: "approve needs the approver role; you are operator" },
    ],
    [
      op("viewer", null, "bert"),
      { ok: false, status: 403, message: "approve needs the approver role; you are viewer" },
    ],
  ])("%j", (operator, expected) => {
    expect(canApprove(operator, task)).toEqual(expected);
  });

  it("refuses an approver (or admin) approving a task it created", () => {
    for (const role of ["approver", "admin"] as const)
      expect(canApprove(op(role, null, "anna"), task)).toEqual({
        ok: false,
        status: 403,
        message: "refused: you created this task, so another approver must approve it (four eyes)",
      });
  });
});

describe("canManageOperator", () => {
  it.each([
    [op("admin"), { role: "admin", scope: null }, true],
    [op("admin"), { role: "viewer", scope: "AT" }, true],
    [op("admin", "DE"), { role: "admin", scope: "DE/North" }, true],
    [op("admin", "DE"), { role: "operator", scope: "DE" }, true],
    [op("admin", "DE"), { role: "operator", scope: "AT" }, false],
    [op("admin", "DE"), { role: "viewer", scope: null }, false],
    [op("approver"), { role: "viewer", scope: "DE" }, false],
  ] as const)("%j manages %j: %s", (actor, target, allowed) => {
    expect(canManageOperator(actor, target).ok).toBe(allowed);
  });

  it("names both scopes when refusing", () => {
    expect(canManageOperator(op("admin", "DE"), { role: "viewer", scope: null })).toEqual({
      ok: false,
      status: 403,
      message: "refused: an operator with scope the whole fleet is outside your scope DE",
    });
  });
});

describe("filterManageable", () => {
  const all = [
    { name: "admin", scope: null },
    { name: "de", scope: "DE" },
    { name: "north", scope: "DE/North" },
    { name: "at", scope: "AT" },
  ];

  it.each([
    [op("admin"), ["admin", "de", "north", "at"]],
    [op("admin", "DE"), ["de", "north"]],
    [op("admin", "DE/North"), ["north"]],
  ])("%j lists %j", (actor, names) => {
    expect(filterManageable(actor, all).map((o) => o.name)).toEqual(names);
  });
});
