import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { API_ROUTES, type RouteSpec } from "../../src/api/routes.js";
import { MAX_JSON_BODY } from "../../src/http/http-utils.js";
import { LiveCoordinator } from "./live-coordinator.js";

/**
 * Fuzz-style refusals, generated from the route table so a new route is
 * covered by its entry alone: for every route, queries and (JSON) bodies
 * with each field of a wrong type, missing, null, with extra keys and
 * oversize. Every answer must be a 4xx whose message names the field, and
 * the data folder (fleet, desired state, audit) must be byte-identical
 * afterwards.
 */

type Schema = z.ZodType;
type Path = (string | number)[];

interface Case {
  route: string;
  what: string;
  method: string;
  path: string;
  body?: unknown;
  raw?: string | Buffer;
  /** The message must contain this (the field's path, or the key). */
  names: string;
}

/** The schema a field's value is checked by, through optional/nullable/default and into a pipe's input. */
function unwrap(schema: Schema): Schema {
  const def = (schema as unknown as { def: { type: string; innerType?: Schema; in?: Schema } }).def;
  if (
    (def.type === "optional" || def.type === "nullable" || def.type === "default") &&
    def.innerType
  )
    return unwrap(def.innerType);
  if (def.type === "pipe" && def.in) return unwrap(def.in);
  return schema;
}

function shapeOf(schema: Schema): Record<string, Schema> | undefined {
  const def = (
    unwrap(schema) as unknown as { def: { type: string; shape?: Record<string, Schema> } }
  ).def;
  return def.type === "object" ? def.shape : undefined;
}

function elementOf(schema: Schema): Schema | undefined {
  const def = (unwrap(schema) as unknown as { def: { type: string; element?: Schema } }).def;
  return def.type === "array" ? def.element : undefined;
}

const accepts = (schema: Schema, value: unknown) => schema.safeParse(value).success;

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** `value` with `path` set to `next` (undefined: the key removed), parents created as objects. */
function withField(value: unknown, path: Path, next: unknown): unknown {
  const copy = clone(value ?? {}) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path.at(-1) as string | number;
  if (next === undefined) delete node[last];
  else node[last] = next;
  return copy;
}

const WRONG_VALUES: unknown[] = [
  12345,
  1.5,
  true,
  false,
  null,
  {},
  [],
  [1],
  "",
  "%%% not valid %%%",
];
const LONG_STRING = "x".repeat(200_000);
const LONG_LIST = Array.from({ length: 25_000 }, (_, i) => `v${i}`);

/** Cases for one field of a JSON body, and (for objects and lists of objects) its fields. */
function fieldCases(
  route: string,
  spec: RouteSpec,
  base: unknown,
  path: Path,
  schema: Schema,
  out: Case[],
): void {
  const named = path.join(".");
  const push = (what: string, body: unknown) =>
    out.push({
      route,
      what: `${named}: ${what}`,
      method: spec.method,
      path: spec.path,
      body,
      names: named,
    });
  for (const wrong of WRONG_VALUES) {
    if (!accepts(schema, wrong))
      push(`wrong value ${JSON.stringify(wrong)}`, withField(base, path, wrong));
  }
  if (!accepts(schema, undefined)) push("missing", withField(base, path, undefined));
  if (!accepts(schema, LONG_STRING)) push("oversize string", withField(base, path, LONG_STRING));
  if (!accepts(schema, LONG_LIST)) push("oversize list", withField(base, path, LONG_LIST));
  const shape = shapeOf(schema);
  if (shape !== undefined) objectCases(route, spec, base, path, shape, out);
  const element = elementOf(schema);
  const elementShape = element === undefined ? undefined : shapeOf(element);
  if (element !== undefined && elementShape !== undefined) {
    const list = path.reduce<unknown>(
      (node, key) => (node as Record<string | number, unknown>)?.[key],
      base,
    );
    if (Array.isArray(list) && list.length > 0)
      fieldCases(route, spec, base, [...path, 0], element, out);
  }
}

/** Cases for an object's fields and for keys it does not know (also `__proto__`, as JSON text). */
function objectCases(
  route: string,
  spec: RouteSpec,
  base: unknown,
  path: Path,
  shape: Record<string, Schema>,
  out: Case[],
): void {
  for (const [key, schema] of Object.entries(shape))
    fieldCases(route, spec, base, [...path, key], schema, out);
  for (const extra of ["unexpectedField", "Filters", "__proto__"]) {
    const marker = `__marker_${extra}__`;
    const text = JSON.stringify(withField(base, [...path, marker], { x: 1 })).replace(
      JSON.stringify(marker),
      JSON.stringify(extra),
    );
    out.push({
      route,
      what: `${[...path, extra].join(".")}: unknown key`,
      method: spec.method,
      path: spec.path,
      raw: text,
      names: extra,
    });
  }
}

function bodyCases(route: string, spec: RouteSpec): Case[] {
  const out: Case[] = [];
  if (spec.body.kind === "pack-upload") {
    for (const raw of ["", "not a pack", Buffer.alloc(4096, 7)]) {
      out.push({
        route,
        what: `pack body ${JSON.stringify(String(raw).slice(0, 12))}`,
        method: spec.method,
        path: spec.path,
        raw,
        names: "",
      });
    }
  }
  if (spec.body.kind !== "json") return out;
  const { schema, example } = spec.body;
  for (const raw of ["null", "[]", '"text"', "5", "true", "{", "{} {}"]) {
    out.push({
      route,
      what: `body ${raw}`,
      method: spec.method,
      path: spec.path,
      raw,
      names: "request body",
    });
  }
  out.push({
    route,
    what: "body over the size limit",
    method: spec.method,
    path: spec.path,
    raw: JSON.stringify({ ...(example as object), padding: "x".repeat(MAX_JSON_BODY) }),
    names: "request body",
  });
  const shape = shapeOf(schema);
  if (shape !== undefined) objectCases(route, spec, example, [], shape, out);
  // Each key of the example left out: when that makes the request invalid, the answer names it.
  for (const key of Object.keys(example as object)) {
    const body = withField(example, [key], undefined);
    if (!accepts(schema, body))
      out.push({
        route,
        what: `${key}: left out`,
        method: spec.method,
        path: spec.path,
        body,
        names: key,
      });
  }
  return out;
}

function queryCases(route: string, spec: RouteSpec): Case[] {
  const out: Case[] = [];
  const base = spec.queryExample;
  const url = (query: Record<string, string | readonly string[]>) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      for (const one of typeof value === "string" ? [value] : value) params.append(name, one);
    const text = params.toString();
    return `${spec.path}${text === "" ? "" : `?${text}`}`;
  };
  const push = (what: string, query: Record<string, string | readonly string[]>, names: string) =>
    out.push({
      route,
      what: `query ${what}`,
      method: spec.method,
      path: url(query),
      names,
      ...(spec.body.kind === "json" ? { body: spec.body.example } : {}),
    });
  for (const extra of ["unexpected", "__proto__", "constructor", "Store"])
    push(`unknown ${extra}`, { ...base, [extra]: "1" }, extra);
  // A long list as one comma-separated parameter: 1,001 repeated ones would pass Node's 16 KB header limit.
  const longList = Array.from({ length: 1_001 }, (_, i) => String(i)).join(",");
  for (const [name, schema] of Object.entries(shapeOf(spec.query) ?? {})) {
    for (const value of ["%%% not valid %%%", "x".repeat(8_000), ",", longList, ["1", "2"]]) {
      if (!accepts(schema, value))
        push(`${name}=${String(value).slice(0, 20)}`, { ...base, [name]: value }, name);
    }
  }
  for (const name of Object.keys(base)) {
    const rest = { ...base };
    delete rest[name];
    if (!accepts(spec.query, rest)) push(`${name} left out`, rest, name);
  }
  return out;
}

const CASES: Case[] = (Object.entries(API_ROUTES) as [string, RouteSpec][]).flatMap(
  ([name, spec]) => [...queryCases(name, spec), ...bodyCases(name, spec)],
);

describe("every route refuses bad input, naming the field, and writes nothing", {
  timeout: 120_000,
}, () => {
  let live: LiveCoordinator;
  beforeAll(async () => {
    live = await LiveCoordinator.start("api-fuzz");
  }, 30_000);
  afterAll(async () => {
    await live?.close();
  });

  it("generates cases for every route", () => {
    const routes = new Set(CASES.map((c) => c.route));
    expect([...routes].sort()).toEqual(Object.keys(API_ROUTES).sort());
    expect(CASES.length).toBeGreaterThan(300);
  });

  it(`answers all ${CASES.length} cases with a 4xx naming the field; the data folder is byte-identical`, async () => {
    const before = await live.settled();
    const rows = (await live.call("GET", "/api/status")).text;
    const audit = (await live.call("GET", "/api/audit")).text;
    const wrong: string[] = [];
    for (const c of CASES) {
      const answer = await live.call(c.method, c.path, c.body, c.raw);
      const error = (answer.body as { error?: unknown } | null)?.error;
      const problem =
        answer.status < 400 || answer.status >= 500
          ? `status ${answer.status}`
          : typeof error !== "string" || error === ""
            ? "no error message"
            : !error.includes(c.names)
              ? `message does not name ${JSON.stringify(c.names)}`
              : /\n\s+at /.test(error)
                ? "a stack trace"
                : undefined;
      if (problem !== undefined)
        wrong.push(`${c.route} ${c.what}: ${problem}: ${answer.text.slice(0, 300)}`);
    }
    expect(wrong).toEqual([]);
    expect((await live.call("GET", "/api/status")).text).toBe(rows);
    expect((await live.call("GET", "/api/audit")).text).toBe(audit);
    expect(await live.settled()).toEqual(before);
  });
});
