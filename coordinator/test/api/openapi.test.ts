import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderOpenApi } from "../../src/api/openapi.js";
import { API_ROUTES, type RouteName, type RouteSpec } from "../../src/api/routes.js";
import { OPENAPI_FILE, openApiValidator, readOpenApi } from "./openapi-validator.js";

const { version } = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
) as { version: string };
const ROUTES = Object.entries(API_ROUTES) as [RouteName, RouteSpec][];

/** Every `$ref` in `node`. */
function refs(node: unknown): string[] {
  if (typeof node !== "object" || node === null) return [];
  if (Array.isArray(node)) return node.flatMap(refs);
  return Object.entries(node).flatMap(([key, value]) =>
    key === "$ref" && typeof value === "string" ? [value] : refs(value),
  );
}

function at(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.replace(/^#\//, "").split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  return node;
}

describe("coordinator/openapi.json", () => {
  const document = readOpenApi();
  const schemaAt = openApiValidator(document);

  it("is the document generated from the route table (run `pnpm openapi` after changing the API)", () => {
    expect(
      readFileSync(OPENAPI_FILE, "utf8"),
      "coordinator/openapi.json is out of date: run `pnpm openapi`",
    ).toBe(renderOpenApi(version));
  });

  it("is OpenAPI 3.1 with the bearer token scheme required everywhere", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document).toMatchObject({
      security: [{ operatorToken: [] }],
      components: { securitySchemes: { operatorToken: { type: "http", scheme: "bearer" } } },
    });
  });

  it("has every route, and nothing else, with its answers and the error answer", () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(ROUTES.map(([, r]) => `${r.method} ${r.path}`).sort());
    for (const [name, route] of ROUTES) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, name).toMatchObject({
        operationId: name,
        summary: route.summary,
        responses: {
          [String(route.status)]: {
            content: {
              [route.stream === "sse" ? "text/event-stream" : "application/json"]: { schema: {} },
            },
          },
          "4XX": { $ref: "#/components/responses/Refused" },
        },
      });
      const body = (operation?.requestBody ?? null) as { content: object } | null;
      const mediaTypes = body === null ? [] : Object.keys(body.content);
      expect(mediaTypes, name).toEqual(
        { json: ["application/json"], "pack-upload": ["application/octet-stream"], none: [] }[
          route.body.kind
        ],
      );
    }
    expect(at(document, "#/components/responses/Refused/content/application~1json/schema")).toEqual(
      { $ref: "#/components/schemas/Error" },
    );
  });

  it("every $ref points at something in the document", () => {
    const all = refs(document);
    expect(all.length).toBeGreaterThan(10);
    for (const ref of all) expect(at(document, ref), ref).toBeDefined();
  });

  it("each route's example body is valid by the document; an unknown field is not", () => {
    for (const [name, route] of ROUTES) {
      if (route.body.kind !== "json") continue;
      const validate = schemaAt([
        "paths",
        route.path,
        route.method.toLowerCase(),
        "requestBody",
        "content",
        "application/json",
        "schema",
      ]);
      expect(validate(route.body.example), `${name}: ${JSON.stringify(validate.errors)}`).toBe(
        true,
      );
      expect(validate({ ...(route.body.example as object), noSuchField: 1 }), name).toBe(false);
    }
  });

  it("query parameters: the examples are named and valid; filters a route refuses are not listed", () => {
    for (const [name, route] of ROUTES) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      const params = (operation?.parameters ?? []) as { name: string; schema: object }[];
      for (const [param, value] of Object.entries(route.queryExample)) {
        const index = params.findIndex((p) => p.name === param);
        expect(index, `${name}: ${param}`).toBeGreaterThanOrEqual(0);
        const validate = schemaAt([
          "paths",
          route.path,
          route.method.toLowerCase(),
          "parameters",
          String(index),
          "schema",
        ]);
        expect(validate(value), `${name}: ${param}=${JSON.stringify(value)}`).toBe(true);
      }
    }
    const names = (path: string) =>
      ((document.paths[path]?.get?.parameters ?? []) as { name: string; required: boolean }[]).map(
        (p) => (p.required ? `${p.name}*` : p.name),
      );
    expect(names("/api/packs")).toEqual(["function"]);
    expect(names("/api/workstations")).toEqual(["store", "workstation", "group"]);
    expect(names("/api/versions")).toContain("function*");
    expect(names("/api/status")).toEqual([
      "store",
      "workstation",
      "function",
      "active-version",
      "preferred-version",
      "status",
      "group",
      "valid-from-from",
      "valid-from-to",
    ]);
    expect(names("/api/audit")).toEqual(["operator", "from", "to"]);
  });
});
