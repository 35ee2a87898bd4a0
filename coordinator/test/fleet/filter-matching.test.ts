import { describe, expect, it } from "vitest";
import { type Filters, matches } from "../../src/fleet/filters.js";
import type { ServiceRow } from "../../src/fleet/service-row.js";
import { makeRow } from "./fixtures.js";

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
