import { describe, expect, it } from "vitest";
import { normaliseStatus, parseFilters } from "../../src/fleet/filter-schema.js";
import { type Filters, filtersToQuery } from "../../src/fleet/filters.js";

describe("parseFilters: valid input", () => {
  const cases: { raw: Record<string, string | string[] | undefined>; filters: Filters }[] = [
    { raw: {}, filters: {} },
    { raw: { store: "1001" }, filters: { store: ["1001"] } },
    { raw: { workstation: "01" }, filters: { workstation: ["01"] } },
    { raw: { function: "pos-client" }, filters: { function: ["pos-client"] } },
    { raw: { function: "fn.v2_x" }, filters: { function: ["fn.v2_x"] } },
    { raw: { "active-version": "1.0.0" }, filters: { activeVersion: ["1.0.0"] } },
    { raw: { activeVersion: "1.2.0-rc.1" }, filters: { activeVersion: ["1.2.0-rc.1"] } },
    { raw: { "active-version": "-" }, filters: { activeVersion: [null] } },
    {
      raw: { "preferred-version": "2.1.0+build.5" },
      filters: { preferredVersion: ["2.1.0+build.5"] },
    },
    { raw: { preferredVersion: "-" }, filters: { preferredVersion: [null] } },
    { raw: { group: "DE" }, filters: { group: ["DE"] } },
    { raw: { group: "DE/North" }, filters: { group: ["DE/North"] } },
    { raw: { group: "DE/" }, filters: { group: ["DE"] } },
    { raw: { group: "Brand X/DE" }, filters: { group: ["Brand X/DE"] } },
    {
      raw: { "valid-from-from": "2026-03-01" },
      filters: { validFromFrom: "2026-03-01T00:00:00.000Z" },
    },
    {
      raw: { "valid-from-to": "2026-03-01" },
      filters: { validFromTo: "2026-03-01T23:59:59.999Z" },
    },
    {
      raw: { validFromFrom: "2026-03-01T06:00:00Z" },
      filters: { validFromFrom: "2026-03-01T06:00:00.000Z" },
    },
    {
      raw: { validFromTo: "2026-03-01T07:30:00+01:00" },
      filters: { validFromTo: "2026-03-01T06:30:00.000Z" },
    },
    {
      raw: { "valid-from-from": "2026-03-01", "valid-from-to": "2026-03-01" },
      filters: {
        validFromFrom: "2026-03-01T00:00:00.000Z",
        validFromTo: "2026-03-01T23:59:59.999Z",
      },
    },
    // Empty values are "not given" (an empty form field); surrounding blanks are ignored.
    { raw: { store: "", status: undefined, group: "  " }, filters: {} },
    { raw: { store: " 1001 " }, filters: { store: ["1001"] } },
    // Both spellings of one filter are one list.
    {
      raw: { activeVersion: "1.0.0", "active-version": "1.0.0" },
      filters: { activeVersion: ["1.0.0"] },
    },
    {
      raw: { activeVersion: "1.0.0", "active-version": "1.1.0" },
      filters: { activeVersion: ["1.0.0", "1.1.0"] },
    },
    // Lists: comma-separated, repeated (an array), or both; blanks around values ignored; duplicates dropped.
    { raw: { store: "1001,2002" }, filters: { store: ["1001", "2002"] } },
    { raw: { store: ["1001", "2002"] }, filters: { store: ["1001", "2002"] } },
    { raw: { store: ["1001, 2002", "3003"] }, filters: { store: ["1001", "2002", "3003"] } },
    { raw: { store: "1001,1001" }, filters: { store: ["1001"] } },
    { raw: { workstation: "01,02" }, filters: { workstation: ["01", "02"] } },
    { raw: { function: ["a", "b.c"] }, filters: { function: ["a", "b.c"] } },
    { raw: { "active-version": "1.0.0,-" }, filters: { activeVersion: ["1.0.0", null] } },
    {
      raw: { "preferred-version": ["-", "2.0.0"] },
      filters: { preferredVersion: [null, "2.0.0"] },
    },
    { raw: { status: "failed,rolled-back" }, filters: { status: ["Failed", "Rolled Back"] } },
    { raw: { status: "Failed,failed" }, filters: { status: ["Failed"] } },
    { raw: { group: "DE/North,AT/" }, filters: { group: ["DE/North", "AT"] } },
    {
      raw: {
        store: "1001",
        workstation: "01",
        function: "pos-client",
        "active-version": "1.0.0",
        "preferred-version": "1.1.0",
        status: "prepared",
        group: "DE",
        "valid-from-from": "2026-03-01",
        "valid-from-to": "2026-03-31",
      },
      filters: {
        store: ["1001"],
        workstation: ["01"],
        function: ["pos-client"],
        activeVersion: ["1.0.0"],
        preferredVersion: ["1.1.0"],
        status: ["Prepared"],
        group: ["DE"],
        validFromFrom: "2026-03-01T00:00:00.000Z",
        validFromTo: "2026-03-31T23:59:59.999Z",
      },
    },
  ];
  it.each(cases)("$raw", ({ raw, filters }) => {
    expect(parseFilters(raw)).toEqual({ ok: true, value: filters });
  });

  const spellings: [string, string][] = [
    ["OK", "OK"],
    ["ok", "OK"],
    ["Prepared", "Prepared"],
    ["PREPARED", "Prepared"],
    ["In Progress", "In Progress"],
    ["in progress", "In Progress"],
    ["in-progress", "In Progress"],
    ["In-Progress", "In Progress"],
    ["IN_PROGRESS", "In Progress"],
    ["Not Ready", "Not Ready"],
    ["not-ready", "Not Ready"],
    ["not ready", "Not Ready"],
    ["notready", "Not Ready"],
    ["Rolled Back", "Rolled Back"],
    ["rolled-back", "Rolled Back"],
    ["Rolled back", "Rolled Back"],
    ["Failed", "Failed"],
    [" failed ", "Failed"],
  ];
  it.each(spellings)("status %j is %s", (text, status) => {
    expect(normaliseStatus(text)).toBe(status);
    expect(parseFilters({ status: text })).toEqual({ ok: true, value: { status: [status] } });
  });
});

describe("parseFilters: invalid input names the filter", () => {
  const cases: { raw: Record<string, string | string[]>; error: string | RegExp }[] = [
    { raw: { store: "10 01" }, error: /^store: "10 01" is not a valid store id/ },
    { raw: { store: "1001/01" }, error: /^store: "1001\/01" is not a valid store id/ },
    { raw: { store: "x".repeat(65) }, error: /^store: store id is longer than 64 characters$/ },
    { raw: { workstation: "a+b" }, error: /^workstation: "a\+b" is not a valid workstation id/ },
    { raw: { function: ".hidden" }, error: /^function: "\.hidden" is not a valid function name/ },
    { raw: { function: "a/b" }, error: /^function: / },
    {
      raw: { "active-version": "1.x" },
      error: 'active-version: "1.x" is not a semver version (like 1.2.0) or "-" (none)',
    },
    { raw: { activeVersion: "v1.0.0" }, error: /^activeVersion: "v1\.0\.0" is not a semver/ },
    {
      raw: { "preferred-version": "latest" },
      error: /^preferred-version: "latest" is not a semver/,
    },
    { raw: { preferredVersion: "--" }, error: /^preferredVersion: "--" is not a semver/ },
    {
      raw: { status: "Done" },
      error:
        'status: "Done" is not one of OK, Prepared, In Progress, Not Ready, Rolled Back, Failed',
    },
    { raw: { status: "not-readyy" }, error: /^status: "not-readyy" is not one of OK, / },
    {
      raw: { group: "DE//North" },
      error: /^group: "DE\/\/North" is not a valid business unit group/,
    },
    { raw: { group: "/DE" }, error: /^group: "\/DE" is not a valid business unit group/ },
    { raw: { group: "DE*" }, error: /^group: "DE\*" is not a valid business unit group/ },
    {
      raw: { "valid-from-from": "yesterday" },
      error: /^valid-from-from: "yesterday" is not an ISO 8601 timestamp or date/,
    },
    { raw: { "valid-from-to": "2026-02-30" }, error: /^valid-from-to: "2026-02-30" is not an ISO/ },
    {
      raw: { validFromFrom: "2026-03-01T06:00" },
      error: /^validFromFrom: "2026-03-01T06:00" is not/,
    },
    { raw: { validFromTo: "2026-13-01T06:00:00Z" }, error: /^validFromTo: / },
    { raw: { validFromFrom: "03/01/2026" }, error: /^validFromFrom: / },
    {
      raw: { "valid-from-from": "2026-03-02", "valid-from-to": "2026-03-01" },
      error:
        "valid-from-to: 2026-03-01T23:59:59.999Z is before the lower bound 2026-03-02T00:00:00.000Z: no row could match",
    },
    {
      raw: { colour: "red" },
      error: /^unknown filter "colour" \(known: store, workstation, function, active-version,/,
    },
    { raw: { Store: "1001" }, error: /^unknown filter "Store"/ },
    { raw: { stores: "1001" }, error: /^unknown filter "stores"/ },
    {
      raw: { "valid-from-from": "2026-03-01", validFromFrom: "2026-03-02" },
      error: /^valid-from-from: given twice with different values \(also as validFromFrom\)$/,
    },
    // Lists: every value checked, named by its place in the list.
    { raw: { store: "1001,a b" }, error: /^store\.1: "a b" is not a valid store id/ },
    { raw: { store: "1001," }, error: /^store\.1: store id is empty$/ },
    { raw: { store: [] }, error: /^store: is an empty list/ },
    {
      raw: { store: Array.from({ length: 1001 }, (_, i) => String(i)) },
      error: /^store: has more than 1000 values/,
    },
    { raw: { status: "failed,done" }, error: /^status\.1: "done" is not one of OK, / },
    {
      raw: { "active-version": "1.0.0,latest" },
      error: /^active-version\.1: "latest" is not a semver/,
    },
    // The bounds are one value each.
    {
      raw: { "valid-from-from": "2026-03-01,2026-03-02" },
      error:
        /^valid-from-from: takes one timestamp or date \(the lower bound of the valid-from range\), not a list$/,
    },
    {
      raw: { "valid-from-to": ["2026-03-01", "2026-03-02"] },
      error: /^valid-from-to: takes one timestamp or date \(the upper bound/,
    },
  ];
  it.each(cases)("$raw", ({ raw, error }) => {
    const result = parseFilters(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    if (typeof error === "string") expect(result.error).toBe(error);
    else expect(result.error).toMatch(error);
  });

  it("reports every wrong filter, one per line", () => {
    const result = parseFilters({ store: "a b", status: "Done", "valid-from-to": "soon" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = result.error.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^store: /);
    expect(lines[1]).toMatch(/^status: /);
    expect(lines[2]).toMatch(/^valid-from-to: /);
  });

  it("reports unknown names and wrong values together", () => {
    expect(parseFilters({ colour: "red", status: "Done" })).toEqual({
      ok: false,
      error:
        'status: "Done" is not one of OK, Prepared, In Progress, Not Ready, Rolled Back, Failed\n' +
        'unknown filter "colour" (known: store, workstation, function, active-version, preferred-version, status, group, valid-from-from, valid-from-to)',
    });
  });

  it("refuses __proto__ like any unknown filter, and changes no prototype", () => {
    // As a query string or JSON.parse delivers it: an own key named __proto__.
    const raw = JSON.parse('{"__proto__": "x", "store": "1001"}') as Record<string, string>;
    expect(parseFilters(raw)).toEqual({
      ok: false,
      error: expect.stringMatching(/^unknown filter "__proto__"/),
    });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe("filtersToQuery", () => {
  it("is the inverse of parseFilters, lists comma-separated", () => {
    const filters: Filters = {
      store: ["1001", "2002"],
      workstation: ["01"],
      function: ["pos-client"],
      activeVersion: [null, "1.0.0"],
      preferredVersion: ["1.1.0"],
      status: ["Not Ready", "Failed"],
      group: ["DE/North", "AT"],
      validFromFrom: "2026-03-01T00:00:00.000Z",
      validFromTo: "2026-03-02T00:00:00.000Z",
    };
    const query = filtersToQuery(filters);
    expect(query).toEqual({
      store: "1001,2002",
      workstation: "01",
      function: "pos-client",
      "active-version": "-,1.0.0",
      "preferred-version": "1.1.0",
      status: "Not Ready,Failed",
      group: "DE/North,AT",
      "valid-from-from": "2026-03-01T00:00:00.000Z",
      "valid-from-to": "2026-03-02T00:00:00.000Z",
    });
    expect(parseFilters(query)).toEqual({ ok: true, value: filters });
    expect(filtersToQuery({})).toEqual({});
  });
});
