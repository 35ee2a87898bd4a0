import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  permissionFor,
  permissionTableMarkdown,
  ROUTE_PERMISSIONS,
  routesWithoutPermission,
} from "../../src/accounts/permissions.js";
import { API_ROUTES, type RouteSpec } from "../../src/api/routes.js";

const routeIds = (Object.values(API_ROUTES) as RouteSpec[]).map(
  (route) => `${route.method} ${route.path}`,
);

describe("the route × role table covers the API contract", () => {
  it("every route the HTTP server serves has a permission entry", () => {
    expect(routesWithoutPermission(routeIds)).toEqual([]);
  });

  it("the table names no route the server does not serve", () => {
    expect(Object.keys(ROUTE_PERMISSIONS).sort()).toEqual([...routeIds].sort());
  });

  it("only the public routes are marked public in the contract, and the other way round", () => {
    for (const route of Object.values(API_ROUTES) as RouteSpec[]) {
      const need = permissionFor(`${route.method} ${route.path}`)?.need;
      expect(`${route.path}: ${route.auth}`).toBe(
        `${route.path}: ${need === "public" ? "public" : "operator"}`,
      );
    }
  });
});

describe("the README's Roles section", () => {
  it("prints exactly the permission table", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const match = /<!-- roles-table:start -->\n([\s\S]*?)\n<!-- roles-table:end -->/.exec(readme);
    expect(match?.[1]).toBe(permissionTableMarkdown());
  });
});
