import { describe, expect, it } from "vitest";
import { parseBody, parseQuery, queryRecord } from "../../src/api/parse-request.js";
import { enrolBody, retryBody, setPreferredBody, versionsQuery } from "../../src/api/requests.js";
import { API_ROUTES, findRoute, type RouteSpec } from "../../src/api/routes.js";

const base = { function: "pos-client", version: "1.1.0" };

describe("set-preferred bodies: what the issue found widening a change is refused, naming the field", () => {
  const refused: { name: string; body: unknown; error: RegExp }[] = [
    {
      name: "a number for a store",
      body: { ...base, filters: { store: 1001 } },
      error:
        /^filters\.store: expected an array of store ids \(or one as a string\), got number 1001$/,
    },
    {
      name: "filters as a string",
      body: { ...base, filters: "store=1001" },
      error: /^filters: expected a JSON object, got string "store=1001"$/,
    },
    {
      name: "a misspelt filter",
      body: { ...base, filters: { stores: "1001" } },
      error: /^filters: unknown filter "stores" \(known: store, workstation, /,
    },
    {
      name: "a misspelt field",
      body: { ...base, filter: { store: "1001" } },
      error:
        /^unknown field "filter" \(known: function, version, validFrom, install, filters, rows, all, dryRun, drain\)/,
    },
    {
      name: "__proto__",
      body: JSON.parse(
        '{"function":"pos-client","version":"1.1.0","all":true,"__proto__":{"x":1}}',
      ),
      error: /^unknown field "__proto__"/,
    },
    {
      name: "null filters",
      body: { ...base, filters: null },
      error: /^filters: expected a JSON object, got null/,
    },
    {
      name: "an empty store",
      body: { ...base, filters: { store: "" } },
      error: /^filters\.store: store id is empty$/,
    },
    {
      name: "an empty list",
      body: { ...base, filters: { store: [] } },
      error: /^filters\.store: is an empty list/,
    },
    {
      name: "a number in a list",
      body: { ...base, filters: { store: ["1001", 2002] } },
      error: /^filters\.store\.1: expected a string in the list of store ids, got number 2002$/,
    },
    {
      name: "a list for a bound",
      body: { ...base, filters: { "valid-from-from": ["2026-01-01", "2026-02-01"] } },
      error: /^filters\.valid-from-from: takes one timestamp or date .*, not a list$/,
    },
    {
      name: "no filter at all",
      body: base,
      error: /^all: no filter narrows this change, so it would reach every pos-client in the fleet/,
    },
    {
      name: "only an empty filters object",
      body: { ...base, filters: {} },
      error: /^all: no filter narrows/,
    },
    {
      name: "only the function as a filter",
      body: { ...base, filters: { function: "pos-client" } },
      error: /^all: no filter narrows/,
    },
    {
      name: "all: false and no filter",
      body: { ...base, all: false },
      error: /^all: no filter narrows/,
    },
    {
      name: "all with a filter",
      body: { ...base, all: true, filters: { group: "DE" } },
      error: /^all: "all": true \(--all\) cannot be combined with filters \(--group\)/,
    },
    {
      name: "all as a string",
      body: { ...base, all: "yes" },
      error: /^all: expected true or false .*got string "yes"$/,
    },
    {
      name: "dryRun as a number",
      body: { ...base, all: true, dryRun: 1 },
      error: /^dryRun: expected true or false/,
    },
    {
      name: "install as null",
      body: { ...base, all: true, install: null },
      error: /^install: expected true or false .*got null$/,
    },
    {
      name: "no version",
      body: { function: "pos-client", all: true },
      error: /^version: is required$/,
    },
    {
      name: "a bad version",
      body: { ...base, version: "1.x", all: true },
      error: /^version: "1\.x" is not a semver version/,
    },
    {
      name: "no function",
      body: { version: "1.1.0", all: true },
      error: /^function: is required \(--function F\)$/,
    },
    {
      name: "two functions",
      body: { version: "1.1.0", filters: { store: "1001", function: ["a", "b"] } },
      error: /^filters\.function: set-preferred changes one function/,
    },
    {
      name: "a function differing from filters.function",
      body: { ...base, filters: { store: "1001", function: "other" } },
      error: /^filters\.function: set-preferred changes one function/,
    },
    {
      name: "valid-from without a zone",
      body: { ...base, all: true, validFrom: "2026-11-21T22:00:00" },
      error: /^validFrom: "2026-11-21T22:00:00" is not an ISO 8601 timestamp with Z or an offset/,
    },
    {
      name: "valid-from a number",
      body: { ...base, all: true, validFrom: 5 },
      error: /^validFrom: expected string, got number 5$/,
    },
    { name: "a null body", body: null, error: /^request body: expected a JSON object, got null$/ },
    {
      name: "a list body",
      body: [base],
      error: /^request body: expected a JSON object, got array/,
    },
    {
      name: "a string body",
      body: "all",
      error: /^request body: expected a JSON object, got string "all"$/,
    },
  ];
  it.each(refused)("$name", ({ body, error }) => {
    const result = parseBody(setPreferredBody, body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });

  it("reads lists, single strings, both spellings, all and dryRun", () => {
    expect(
      parseBody(setPreferredBody, {
        ...base,
        filters: { store: ["1001", "2002"], group: "DE/North,AT", "active-version": "1.0.0,-" },
        dryRun: true,
      }),
    ).toEqual({
      ok: true,
      value: {
        function: "pos-client",
        version: "1.1.0",
        validFrom: null,
        install: false,
        filters: {
          store: ["1001", "2002"],
          group: ["DE/North", "AT"],
          activeVersion: ["1.0.0", null],
          function: ["pos-client"],
        },
        all: false,
        dryRun: true,
      },
    });
    expect(
      parseBody(setPreferredBody, { ...base, all: true, validFrom: "2026-11-21T23:00:00+01:00" }),
    ).toEqual({
      ok: true,
      value: {
        ...base,
        validFrom: "2026-11-21T22:00:00.000Z",
        install: false,
        filters: { function: ["pos-client"] },
        all: true,
        dryRun: false,
      },
    });
    // The console once sent the function in the filters too: still fine when it agrees.
    const both = parseBody(setPreferredBody, {
      ...base,
      filters: { function: "pos-client", store: "1001" },
    });
    expect(both.ok).toBe(true);
  });
});

describe("retry bodies", () => {
  it.each([
    {
      body: {},
      error: /^all: no filter narrows this change, so it would reach every row in the fleet/,
    },
    { body: { filters: {} }, error: /^all: no filter narrows/ },
    {
      body: { filters: { status: "failed" }, all: true },
      error: /^all: .*cannot be combined with filters \(--status\)/,
    },
    { body: { filters: { status: 3 } }, error: /^filters\.status: expected an array of statuses/ },
    { body: { filters: { status: "done" } }, error: /^filters\.status: "done" is not one of OK, / },
    { body: { filter: { status: "failed" } }, error: /^unknown field "filter"/ },
  ])("$body is refused", ({ body, error }) => {
    const result = parseBody(retryBody, body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });

  it("takes a top-level function as a filter (the console once sent one)", () => {
    expect(
      parseBody(retryBody, { function: "a", filters: { function: "b", status: "failed" } }),
    ).toEqual({
      ok: true,
      value: { filters: { function: ["b", "a"], status: ["Failed"] }, all: false, dryRun: false },
    });
    expect(parseBody(retryBody, { all: true, dryRun: true })).toEqual({
      ok: true,
      value: { filters: {}, all: true, dryRun: true },
    });
  });
});

describe("row lists in set-preferred and retry bodies (issue 12)", () => {
  const row = (workstation: string, fn = "pos-client") => ({
    store: "1001",
    workstation,
    function: fn,
  });

  it("count as narrowing: no all needed, and all with rows is refused", () => {
    expect(parseBody(retryBody, { rows: [row("01")] })).toEqual({
      ok: true,
      value: { filters: {}, rows: [row("01")], all: false, dryRun: false },
    });
    const both = parseBody(retryBody, { rows: [row("01")], all: true });
    expect(both.ok ? "" : both.error).toMatch(/^all: .*cannot be combined with filters \("rows"\)/);
  });

  it("give set-preferred its function when every row has the same one", () => {
    expect(parseBody(setPreferredBody, { version: "1.1.0", rows: [row("01"), row("02")] })).toEqual(
      {
        ok: true,
        value: {
          function: "pos-client",
          version: "1.1.0",
          validFrom: null,
          install: false,
          filters: { function: ["pos-client"] },
          rows: [row("01"), row("02")],
          all: false,
          dryRun: false,
        },
      },
    );
  });

  it.each([
    {
      name: "rows of two functions",
      body: { version: "1.1.0", rows: [row("01"), row("02", "scale")] },
      error: /^function: is required/,
    },
    {
      name: "a row of another function",
      body: { ...base, rows: [row("01", "scale")] },
      error: /^rows: set-preferred changes one function \(pos-client\): rows of scale/,
    },
    { name: "an empty list", body: { ...base, rows: [] }, error: /^rows: is an empty list/ },
    {
      name: "too many rows",
      body: {
        ...base,
        rows: Array.from({ length: 1001 }, (_, i) => row(String(i).padStart(4, "0"))),
      },
      error: /^rows: has more than 1000 rows/,
    },
    {
      name: "a misspelt row field",
      body: { ...base, rows: [{ store: "1001", workstation: "01", fn: "x" }] },
      error: /^rows\.0/,
    },
  ])("refuses $name", ({ body, error }) => {
    const result = parseBody(setPreferredBody, body);
    expect(result.ok ? "" : result.error).toMatch(error);
  });
});

describe("enrolment bodies", () => {
  it.each([
    {
      body: {},
      error:
        'store: is required (or enrol many with "workstations", a list)\nworkstation: is required',
    },
    { body: { store: 1001, workstation: "01" }, error: "store: expected string, got number 1001" },
    { body: { store: "1001", workstation: "01", groups: "DE" }, error: /^unknown field "groups"/ },
    { body: { workstations: [] }, error: /^workstations: is an empty list/ },
    { body: { workstations: "1001/01" }, error: /^workstations: expected array/ },
    {
      body: { workstations: [{ store: "1001", workstation: "01" }], store: "1002" },
      error: /^store: give either workstations \(a list\) or one store\/workstation, not both$/,
    },
    {
      body: { workstations: [{ store: "1001", workstation: "01", x: 1 }] },
      error: /^workstations\.0: unknown field "x"/,
    },
  ])("$body is refused", ({ body, error }) => {
    const result = parseBody(enrolBody, body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      if (typeof error === "string") expect(result.error).toBe(error);
      else expect(result.error).toMatch(error);
    }
  });

  it("reads one or many", () => {
    expect(parseBody(enrolBody, { store: "1001", workstation: "01" })).toEqual({
      ok: true,
      value: { workstations: [{ store: "1001", workstation: "01", group: null }], many: false },
    });
    expect(
      parseBody(enrolBody, { workstations: [{ store: "1", workstation: "2", group: "DE" }] }),
    ).toEqual({
      ok: true,
      value: { workstations: [{ store: "1", workstation: "2", group: "DE" }], many: true },
    });
  });
});

describe("queries", () => {
  it("repeated parameters are lists; blank ones are not given; __proto__ is a plain key", () => {
    const record = queryRecord(new URLSearchParams("store=1&store=2,3&status=&__proto__=x"));
    expect(Object.getPrototypeOf(record)).toBeNull();
    expect(Object.entries(record)).toEqual([
      ["store", ["1", "2,3"]],
      ["__proto__", "x"],
    ]);
  });

  it.each([
    { query: "store=1001", error: "function: is required (--function F)" },
    { query: "function=a&function=b", error: /^function: give one function/ },
    { query: "function=a,b", error: /^function: give one function/ },
    { query: "function=a&__proto__=x", error: /^unknown filter "__proto__"/ },
    { query: "function=a&stores=1", error: /^unknown filter "stores"/ },
    {
      query: "function=a&valid-from-to=2026-01-01&valid-from-to=2026-01-02",
      error: /^valid-from-to: takes one/,
    },
  ])("versions ?$query is refused", ({ query, error }) => {
    const result = parseQuery(versionsQuery, new URLSearchParams(query));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      if (typeof error === "string") expect(result.error).toBe(error);
      else expect(result.error).toMatch(error);
    }
  });

  it("routes that take no query refuse any parameter", () => {
    const result = parseQuery(API_ROUTES.listOperators.query, new URLSearchParams("limit=5"));
    expect(result).toEqual({ ok: false, error: 'unknown query parameter "limit" (known: none)' });
  });

  it("a long list of problems is cut to the first ones and a count", () => {
    const workstations = Array.from({ length: 100 }, () => ({ store: 1 }));
    const result = parseBody(enrolBody, { workstations });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = result.error.split("\n");
    expect(lines).toHaveLength(21);
    expect(lines.at(-1)).toMatch(/^\.\.\. and \d+ more$/);
  });
});

describe("the route table", () => {
  const routes = Object.entries(API_ROUTES) as [string, RouteSpec][];
  it.each(routes)("%s: its examples parse, and it is found by method and path", (name, route) => {
    expect(findRoute(route.method, route.path)).toBe(name);
    expect(
      parseQuery(route.query, new URLSearchParams(route.queryExample as Record<string, string>)),
    ).toMatchObject({
      ok: true,
    });
    if (route.body.kind === "json") {
      expect(parseBody(route.body.schema, route.body.example)).toMatchObject({ ok: true });
    }
  });

  it("keeps every path the console has always used", () => {
    expect(routes.map(([, r]) => `${r.method} ${r.path}`).sort()).toEqual([
      "GET /api/audit",
      "GET /api/blackouts",
      "GET /api/broker-config/mosquitto",
      "GET /api/events",
      "GET /api/install-log",
      "GET /api/notices",
      "GET /api/operators",
      "GET /api/packs",
      "GET /api/recipes",
      "GET /api/recipes/history",
      "GET /api/releases",
      "GET /api/releases/show",
      "GET /api/session",
      "GET /api/status",
      "GET /api/status/facets",
      "GET /api/status/page",
      "GET /api/updates",
      "GET /api/versions",
      "GET /api/webhooks",
      "GET /api/windows",
      "GET /api/workstations",
      "POST /api/blackouts",
      "POST /api/blackouts/remove",
      "POST /api/maintenance",
      "POST /api/operators",
      "POST /api/operators/remove",
      "POST /api/operators/reset",
      "POST /api/packs",
      "POST /api/packs/withdraw",
      "POST /api/pos-session/release",
      "POST /api/rebuild",
      "POST /api/recipes",
      "POST /api/recipes/unset",
      "POST /api/releases",
      "POST /api/releases/approve",
      "POST /api/releases/cancel",
      "POST /api/releases/pause",
      "POST /api/releases/reject",
      "POST /api/releases/resume",
      "POST /api/releases/retry",
      "POST /api/releases/rollback",
      "POST /api/releases/start",
      "POST /api/releases/trigger",
      "POST /api/retry",
      "POST /api/session",
      "POST /api/session/end",
      "POST /api/set-preferred",
      "POST /api/stores",
      "POST /api/webhooks",
      "POST /api/webhooks/remove",
      "POST /api/windows",
      "POST /api/windows/remove",
      "POST /api/workstations",
      "POST /api/workstations/rekey",
      "POST /api/workstations/remove",
    ]);
  });
});
