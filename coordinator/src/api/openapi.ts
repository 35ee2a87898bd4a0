import { agentConfigSchema, functionPackDescriptorSchema } from "@tillroll/protocol";
import { z } from "zod";
import { filtersSchema } from "../fleet/filter-schema.js";
import { FILTER_PARAMS, type FilterName } from "../fleet/filters.js";
import { ANSWERS, enrolResultAnswer, statusRowAnswer } from "./answers.js";
import { LIVE_ANSWERS } from "./live-answers.js";
import { API_ROUTES, type RouteName, type RouteSpec } from "./routes.js";

/**
 * The OpenAPI 3.1 document of the console API, generated from the route
 * table (api/routes.ts) and the answer schemas (api/answers.ts), so there is
 * one source: `pnpm openapi` writes it to coordinator/openapi.json and a test
 * fails when the committed file differs. Schemas are zod's JSON Schema in its
 * "input" form: what goes over the wire (fields with a default may be left
 * out). Checks written as code (a list filter's values, a valid-from bound)
 * show as the shapes their metadata declares; the coordinator's own answer
 * to a bad request names the field and the rule.
 */

type Json = Record<string, unknown>;

const ERROR_SCHEMA = "Error";
const REFUSED = { $ref: "#/components/responses/Refused" };

/** A valid value for each filter, to ask a route's query schema which filters it takes. */
const FILTER_SAMPLES: Record<FilterName, string> = {
  store: "1001",
  workstation: "01",
  function: "pos-client",
  activeVersion: "1.0.0",
  preferredVersion: "-",
  status: "failed",
  group: "DE",
  validFromFrom: "2026-11-21",
  validFromTo: "2026-11-22",
};
const SAMPLE_BY_PARAM: ReadonlyMap<string, string> = new Map(
  (Object.keys(FILTER_PARAMS) as FilterName[]).map((name) => [
    FILTER_PARAMS[name],
    FILTER_SAMPLES[name],
  ]),
);
/** camelCase spellings the filters also accept (`activeVersion`); the document names the query spelling. */
const ALIASES: ReadonlySet<string> = new Set(
  (Object.keys(FILTER_PARAMS) as FilterName[]).filter((name) => FILTER_PARAMS[name] !== name),
);

/** A zod schema as a JSON Schema embedded in the document (no `$schema`; no `$defs`, whose refs would point at the document). */
function jsonSchema(schema: z.ZodType, where: string): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  if ("$defs" in rest) throw new Error(`${where}: a schema with $defs cannot be embedded`);
  return rest;
}

/**
 * Parts many schemas share: listed once under components/schemas, with the
 * named answers, and referred to (`$ref`) wherever they appear.
 */
const SHARED_PARTS = {
  FunctionPackDescriptor: functionPackDescriptorSchema,
  AgentConfig: agentConfigSchema,
  EnrolResult: enrolResultAnswer,
  StatusRow: statusRowAnswer,
  Filters: filtersSchema,
} as const satisfies Record<string, z.ZodType>;

/**
 * `node` with every sub-schema equal to a component (JSON text → name) replaced by a
 * `$ref` to it, the largest first (top-down); `self` is not replaced at the root.
 */
function shareParts(
  node: unknown,
  components: ReadonlyMap<string, string>,
  self?: string,
): unknown {
  if (typeof node !== "object" || node === null) return node;
  const name = components.get(JSON.stringify(node));
  if (name !== undefined && name !== self) return { $ref: `#/components/schemas/${name}` };
  if (Array.isArray(node)) return node.map((item) => shareParts(item, components));
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, shareParts(value, components)]),
  );
}

/** Whether parsing `query` gives an issue at parameter `name`. */
function issueAt(route: RouteSpec, query: Record<string, string>, name: string): boolean {
  const parsed = route.query.safeParse(query);
  return parsed.error?.issues.some((issue) => issue.path[0] === name) ?? false;
}

/**
 * A route's query parameters: the properties of its strict query schema, in their query
 * spelling, less the filters the route refuses (asked of the schema with a valid value);
 * required when the schema refuses a query without it.
 */
function parameters(name: RouteName, route: RouteSpec): Json[] {
  const schema = jsonSchema(route.query, `${name} query`);
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const out: Json[] = [];
  for (const [param, property] of Object.entries(properties)) {
    if (ALIASES.has(param)) continue;
    const sample = SAMPLE_BY_PARAM.get(param);
    if (sample !== undefined && issueAt(route, { [param]: sample }, param)) continue;
    const { description, ...rest } = property;
    const example = route.queryExample[param];
    out.push({
      name: param,
      in: "query",
      required: issueAt(route, {}, param),
      ...(description === undefined ? {} : { description }),
      style: "form",
      explode: true,
      schema: rest,
      ...(example === undefined ? {} : { example }),
    });
  }
  return out;
}

function requestBody(name: RouteName, route: RouteSpec): Json | undefined {
  const { body } = route;
  if (body.kind === "none") return undefined;
  if (body.kind === "pack-upload") {
    return {
      required: true,
      description: "The function pack: a .tgz holding function-pack-descriptor.json",
      content: {
        "application/octet-stream": {
          schema: { type: "string", contentMediaType: "application/gzip" },
        },
      },
    };
  }
  return {
    required: true,
    content: {
      "application/json": {
        schema: jsonSchema(body.schema, `${name} body`),
        example: body.example,
      },
    },
  };
}

function operation(name: RouteName, route: RouteSpec, answerName: (s: z.ZodType) => Json): Json {
  const params = parameters(name, route);
  const body = requestBody(name, route);
  return {
    operationId: name,
    summary: route.summary,
    ...(params.length === 0 ? {} : { parameters: params }),
    ...(body === undefined ? {} : { requestBody: body }),
    // Public routes (the login, the notices) need no token.
    ...(route.auth === "public" ? { security: [] } : {}),
    responses: {
      [String(route.status)]: {
        description: route.summary,
        content:
          route.stream === "sse"
            ? // A stream of server-sent events; the schema is one event as {event, data}.
              { "text/event-stream": { schema: answerName(route.answer) } }
            : { "application/json": { schema: answerName(route.answer) } },
      },
      "4XX": REFUSED,
    },
  };
}

/** The document, as a JSON value. `version` is the coordinator's package version. */
export function buildOpenApi(version: string): Json {
  const schemas: Record<string, Json> = {};
  const names = new Map<z.ZodType, string>();
  for (const [name, schema] of Object.entries({ ...ANSWERS, ...LIVE_ANSWERS, ...SHARED_PARTS }) as [
    string,
    z.ZodType,
  ][]) {
    schemas[name] = jsonSchema(schema, `component ${name}`);
    names.set(schema, name);
  }
  const answerName = (schema: z.ZodType): Json => {
    const name = names.get(schema);
    return name === undefined
      ? jsonSchema(schema, "answer")
      : { $ref: `#/components/schemas/${name}` };
  };
  const paths: Record<string, Record<string, Json>> = {};
  for (const [name, route] of Object.entries(API_ROUTES) as [RouteName, RouteSpec][]) {
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase()]: operation(name, route, answerName),
    };
  }
  const byText = new Map(
    Object.entries(schemas).map(([name, json]) => [JSON.stringify(json), name]),
  );
  const components = Object.fromEntries(
    Object.entries(schemas).map(([name, json]) => [name, shareParts(json, byText, name)]),
  );
  return {
    openapi: "3.1.0",
    info: {
      title: "tillroll coordinator console API",
      version,
      description:
        "The API the `tillroll` console uses. Every route but the login and the notices needs the operator token as a bearer token. " +
        "Queries and bodies are strict: an unknown parameter or field, a wrong type or a value out of range is " +
        "refused (400) with one sentence naming it, and nothing changes. Filters are also accepted in camelCase " +
        "(activeVersion) and, in a query, repeated or comma-separated. Generated from coordinator/src/api " +
        "(`pnpm openapi`); do not edit by hand.",
    },
    servers: [{ url: "http://127.0.0.1:8080", description: "The coordinator's default address" }],
    security: [{ operatorToken: [] }],
    paths: shareParts(paths, byText),
    components: {
      securitySchemes: {
        operatorToken: {
          type: "http",
          scheme: "bearer",
          description:
            "The operator token (DATA/operator-token, or TILLROLL_TOKEN for the console)",
        },
      },
      responses: {
        Refused: {
          description:
            "Refused: 400 a request that does not parse, 401 no or a wrong token, 403 not allowed (role, scope, four eyes), 404 no such route or release task, 409 not allowed in the release task's state, 413 an upload over the limit",
          content: {
            "application/json": { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA}` } },
          },
        },
      },
      schemas: components,
    },
  };
}

/** The text of coordinator/openapi.json: two-space indent, trailing newline. */
export function renderOpenApi(version: string): string {
  return `${JSON.stringify(buildOpenApi(version), null, 2)}\n`;
}
