import { describe, expect, it } from "vitest";
import { normaliseStatus, parseFilters } from "../../src/fleet/filter-schema.js";
import { type Filters, filtersToQuery, matches } from "../../src/fleet/filters.js";
import type { ServiceRow } from "../../src/fleet/service-row.js";
import { makeRow } from "./fixtures.js";

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

describe("matches: each filter alone", () => {
  const row = makeRow({
    store: "1001",
    workstation: "02",
    function: "pos-client",
    activeVersion: "1.0.0",
    preferredVersion: "1.1.0",
    status: "Prepared",
    group: "DE/North",
    validFrom: "2026-03-01T06:00:00.000Z",
  });
  const noValidFrom = makeRow({ ...row, validFrom: null });
  const nothing = makeRow({ ...row, activeVersion: null, preferredVersion: null, group: null });
  const cases: { name: string; filters: Filters; row?: ServiceRow; expected: boolean }[] = [
    { name: "no filters", filters: {}, expected: true },
    { name: "store equal", filters: { store: ["1001"] }, expected: true },
    { name: "store differs", filters: { store: ["1002"] }, expected: false },
    { name: "store is exact, not a prefix", filters: { store: ["100"] }, expected: false },
    { name: "workstation equal", filters: { workstation: ["02"] }, expected: true },
    { name: "workstation differs", filters: { workstation: ["2"] }, expected: false },
    { name: "function equal", filters: { function: ["pos-client"] }, expected: true },
    { name: "function differs", filters: { function: ["pos"] }, expected: false },
    { name: "active version equal", filters: { activeVersion: ["1.0.0"] }, expected: true },
    { name: "active version differs", filters: { activeVersion: ["1.1.0"] }, expected: false },
    { name: "active '-' on a version", filters: { activeVersion: [null] }, expected: false },
    {
      name: "active '-' on none",
      filters: { activeVersion: [null] },
      row: nothing,
      expected: true,
    },
    {
      name: "active version on none",
      filters: { activeVersion: ["1.0.0"] },
      row: nothing,
      expected: false,
    },
    { name: "preferred equal", filters: { preferredVersion: ["1.1.0"] }, expected: true },
    { name: "preferred differs", filters: { preferredVersion: ["1.0.0"] }, expected: false },
    { name: "preferred '-' on a version", filters: { preferredVersion: [null] }, expected: false },
    {
      name: "preferred '-' on none",
      filters: { preferredVersion: [null] },
      row: nothing,
      expected: true,
    },
    { name: "status equal", filters: { status: ["Prepared"] }, expected: true },
    { name: "status differs", filters: { status: ["OK"] }, expected: false },
    { name: "group itself", filters: { group: ["DE/North"] }, expected: true },
    { name: "group parent", filters: { group: ["DE"] }, expected: true },
    { name: "group child", filters: { group: ["DE/North/Hamburg"] }, expected: false },
    { name: "group sibling", filters: { group: ["DE/South"] }, expected: false },
    { name: "group text prefix", filters: { group: ["DE/Nor"] }, expected: false },
    { name: "group other", filters: { group: ["AT"] }, expected: false },
    { name: "no group never matches", filters: { group: ["DE"] }, row: nothing, expected: false },
    {
      name: "DE is not a parent of DEX",
      filters: { group: ["DE"] },
      row: makeRow({ group: "DEX" }),
      expected: false,
    },
    {
      name: "DE is not a parent of 'DE North'",
      filters: { group: ["DE"] },
      row: makeRow({ group: "DE North" }),
      expected: false,
    },
    { name: "from before", filters: { validFromFrom: "2026-03-01T05:59:59.999Z" }, expected: true },
    {
      name: "from equal (inclusive)",
      filters: { validFromFrom: "2026-03-01T06:00:00.000Z" },
      expected: true,
    },
    { name: "from after", filters: { validFromFrom: "2026-03-01T06:00:00.001Z" }, expected: false },
    { name: "to after", filters: { validFromTo: "2026-03-01T06:00:00.001Z" }, expected: true },
    {
      name: "to equal (inclusive)",
      filters: { validFromTo: "2026-03-01T06:00:00.000Z" },
      expected: true,
    },
    { name: "to before", filters: { validFromTo: "2026-03-01T05:59:59.999Z" }, expected: false },
    {
      name: "null valid-from never matches a from bound",
      filters: { validFromFrom: "2000-01-01T00:00:00.000Z" },
      row: noValidFrom,
      expected: false,
    },
    {
      name: "null valid-from never matches a to bound",
      filters: { validFromTo: "2100-01-01T00:00:00.000Z" },
      row: noValidFrom,
      expected: false,
    },
    {
      name: "valid-from without Z-milliseconds compares by time",
      filters: {
        validFromFrom: "2026-03-01T06:00:00.000Z",
        validFromTo: "2026-03-01T06:00:00.000Z",
      },
      row: makeRow({ validFrom: "2026-03-01T06:00:00Z" }),
      expected: true,
    },
  ];
  it.each(cases)("$name", ({ filters, row: subject, expected }) => {
    expect(matches(subject ?? row, filters)).toBe(expected);
  });
});

describe("matches: filters combined must all hold", () => {
  const row = makeRow({
    store: "1002",
    workstation: "03",
    function: "price-service",
    activeVersion: "2.0.0",
    preferredVersion: "2.1.0",
    status: "Not Ready",
    reason: "user bob logged in",
    group: "DE/South",
    validFrom: "2026-03-03T12:00:00.000Z",
  });
  const cases: { filters: Filters; expected: boolean }[] = [
    { filters: { store: ["1002"], workstation: ["03"] }, expected: true },
    { filters: { store: ["1002"], workstation: ["01"] }, expected: false },
    { filters: { status: ["Not Ready"], group: ["DE"] }, expected: true },
    { filters: { status: ["Not Ready"], group: ["AT"] }, expected: false },
    { filters: { function: ["price-service"], preferredVersion: ["2.1.0"] }, expected: true },
    { filters: { function: ["price-service"], preferredVersion: [null] }, expected: false },
    {
      filters: { activeVersion: ["2.0.0"], validFromFrom: "2026-03-03T00:00:00.000Z" },
      expected: true,
    },
    {
      filters: { activeVersion: ["2.0.0"], validFromTo: "2026-03-03T00:00:00.000Z" },
      expected: false,
    },
    {
      filters: {
        store: ["1002"],
        workstation: ["03"],
        function: ["price-service"],
        activeVersion: ["2.0.0"],
        preferredVersion: ["2.1.0"],
        status: ["Not Ready"],
        group: ["DE/South"],
        validFromFrom: "2026-03-03T12:00:00.000Z",
        validFromTo: "2026-03-03T12:00:00.000Z",
      },
      expected: true,
    },
    {
      filters: {
        store: ["1002"],
        workstation: ["03"],
        function: ["price-service"],
        activeVersion: ["2.0.0"],
        preferredVersion: ["2.1.0"],
        status: ["Failed"],
        group: ["DE/South"],
      },
      expected: false,
    },
  ];
  it.each(cases)("$filters → $expected", ({ filters, expected }) => {
    expect(matches(row, filters)).toBe(expected);
  });
});

describe("matches: a list matches any of its values; every filter must hold", () => {
  const row = makeRow({
    store: "1001",
    workstation: "02",
    function: "pos-client",
    activeVersion: "1.0.0",
    preferredVersion: null,
    status: "Failed",
    group: "DE/North",
  });
  const cases: { name: string; filters: Filters; expected: boolean }[] = [
    { name: "store in the list", filters: { store: ["2002", "1001"] }, expected: true },
    { name: "store not in the list", filters: { store: ["2002", "3003"] }, expected: false },
    { name: "workstation in the list", filters: { workstation: ["01", "02"] }, expected: true },
    { name: "function in the list", filters: { function: ["a", "pos-client"] }, expected: true },
    { name: "active in the list", filters: { activeVersion: [null, "1.0.0"] }, expected: true },
    { name: "active '-' or other", filters: { activeVersion: [null, "2.0.0"] }, expected: false },
    {
      name: "preferred '-' in the list",
      filters: { preferredVersion: ["1.1.0", null] },
      expected: true,
    },
    { name: "status in the list", filters: { status: ["OK", "Failed"] }, expected: true },
    { name: "status not in the list", filters: { status: ["OK", "Prepared"] }, expected: false },
    { name: "a parent group in the list", filters: { group: ["AT", "DE"] }, expected: true },
    { name: "no group in the list holds", filters: { group: ["AT", "DE/South"] }, expected: false },
    {
      name: "two lists, both hold",
      filters: { store: ["1001", "1002"], status: ["Failed", "Rolled Back"] },
      expected: true,
    },
    {
      name: "two lists, one fails",
      filters: { store: ["1001", "1002"], status: ["OK", "Rolled Back"] },
      expected: false,
    },
  ];
  it.each(cases)("$name", ({ filters, expected }) => {
    expect(matches(row, filters)).toBe(expected);
  });
});
