import { describe, expect, it } from "vitest";
import { parseFilters } from "../../src/fleet/filter-schema.js";
import { matches } from "../../src/fleet/filters.js";
import { FleetTable } from "../../src/fleet/fleet-table.js";
import { FLEET_24, keysOf } from "./fixtures.js";

/**
 * The 24-row fleet of fixtures.ts against hand-written answers: every filter
 * alone, then combinations. Each case runs through parseFilters (URL
 * parameter names), then both `matches` and FleetTable.query.
 */

const S1001 = [
  "1001/01/pos-client",
  "1001/01/price-service",
  "1001/02/pos-client",
  "1001/02/price-service",
  "1001/03/pos-client",
  "1001/03/price-service",
  "1001/04/pos-client",
  "1001/04/price-service",
];
const S1002 = S1001.map((key) => key.replace("1001/", "1002/"));
const S2001 = S1001.map((key) => key.replace("1001/", "2001/"));

const cases: { query: Record<string, string>; keys: string[] }[] = [
  // Each filter alone.
  { query: {}, keys: [...S1001, ...S1002, ...S2001] },
  { query: { store: "1002" }, keys: S1002 },
  { query: { store: "9999" }, keys: [] },
  {
    query: { workstation: "03" },
    keys: [
      "1001/03/pos-client",
      "1001/03/price-service",
      "1002/03/pos-client",
      "1002/03/price-service",
      "2001/03/pos-client",
      "2001/03/price-service",
    ],
  },
  {
    query: { function: "price-service" },
    keys: [...S1001, ...S1002, ...S2001].filter((key) => key.endsWith("/price-service")),
  },
  {
    query: { "active-version": "1.0.0" },
    keys: [
      "1001/01/pos-client",
      "1001/02/pos-client",
      "1001/04/pos-client",
      "1002/02/pos-client",
      "1002/03/pos-client",
      "1002/04/pos-client",
      "2001/02/pos-client",
      "2001/03/pos-client",
    ],
  },
  { query: { "active-version": "-" }, keys: ["1001/04/price-service"] },
  {
    query: { "preferred-version": "-" },
    keys: [
      "1001/01/price-service",
      "1001/03/pos-client",
      "1002/01/pos-client",
      "1002/01/price-service",
      "1002/03/price-service",
      "2001/01/pos-client",
      "2001/01/price-service",
      "2001/03/price-service",
      "2001/04/pos-client",
      "2001/04/price-service",
    ],
  },
  {
    query: { "preferred-version": "2.1.0" },
    keys: [
      "1001/02/price-service",
      "1001/03/price-service",
      "1001/04/price-service",
      "1002/02/price-service",
      "1002/04/price-service",
      "2001/02/price-service",
    ],
  },
  { query: { status: "not-ready" }, keys: ["1001/02/price-service", "1002/02/pos-client"] },
  {
    query: { status: "Prepared" },
    keys: [
      "1001/01/pos-client",
      "1001/04/price-service",
      "1002/02/price-service",
      "1002/03/pos-client",
      "2001/03/pos-client",
    ],
  },
  {
    query: { status: "in progress" },
    keys: ["1001/02/pos-client", "1002/04/pos-client", "2001/02/price-service"],
  },
  { query: { status: "rolled-back" }, keys: ["1001/03/price-service", "2001/02/pos-client"] },
  { query: { status: "FAILED" }, keys: ["1001/04/pos-client", "1002/04/price-service"] },
  { query: { group: "DE" }, keys: [...S1001, ...S1002] },
  { query: { group: "DE/South" }, keys: S1002 },
  { query: { group: "AT" }, keys: S2001 },
  { query: { group: "D" }, keys: [] },
  {
    query: { "valid-from-from": "2026-03-03" },
    keys: [
      "1001/04/price-service",
      "1002/02/price-service",
      "1002/03/pos-client",
      "1002/04/price-service",
      "2001/02/price-service",
      "2001/03/pos-client",
    ],
  },
  {
    query: { "valid-from-to": "2026-03-01" },
    keys: [
      "1001/01/pos-client",
      "1001/02/pos-client",
      "1001/04/pos-client",
      "1002/02/pos-client",
      "1002/04/pos-client",
      "2001/02/pos-client",
    ],
  },
  // Combinations.
  {
    query: { status: "prepared", group: "DE" },
    keys: [
      "1001/01/pos-client",
      "1001/04/price-service",
      "1002/02/price-service",
      "1002/03/pos-client",
    ],
  },
  {
    query: { function: "pos-client", "preferred-version": "1.1.0" },
    keys: [
      "1001/01/pos-client",
      "1001/02/pos-client",
      "1001/04/pos-client",
      "1002/02/pos-client",
      "1002/03/pos-client",
      "2001/02/pos-client",
      "2001/03/pos-client",
    ],
  },
  {
    query: { store: "1001", workstation: "02" },
    keys: ["1001/02/pos-client", "1001/02/price-service"],
  },
  {
    query: { "valid-from-from": "2026-03-01T06:00:00Z", "valid-from-to": "2026-03-01T06:00:00Z" },
    keys: [
      "1001/01/pos-client",
      "1001/02/pos-client",
      "1001/04/pos-client",
      "1002/02/pos-client",
      "2001/02/pos-client",
    ],
  },
  {
    query: { "active-version": "1.0.0", status: "In Progress" },
    keys: ["1001/02/pos-client", "1002/04/pos-client"],
  },
  {
    query: { group: "DE/North", "preferred-version": "-" },
    keys: ["1001/01/price-service", "1001/03/pos-client"],
  },
  {
    query: { group: "AT", "valid-from-from": "2026-03-02" },
    keys: ["2001/02/price-service", "2001/03/pos-client"],
  },
  {
    query: { status: "ok", function: "price-service", group: "DE" },
    keys: ["1001/01/price-service", "1002/01/price-service", "1002/03/price-service"],
  },
  { query: { store: "2001", status: "failed" }, keys: [] },
  { query: { workstation: "04", "active-version": "-" }, keys: ["1001/04/price-service"] },
  {
    query: { "valid-from-from": "2026-03-02", "valid-from-to": "2026-03-03T12:00:00Z" },
    keys: [
      "1001/02/price-service",
      "1001/03/price-service",
      "1002/02/price-service",
      "1002/04/price-service",
      "2001/02/price-service",
    ],
  },
  { query: { "preferred-version": "1.2.0-rc.1", group: "DE/South" }, keys: ["1002/04/pos-client"] },
  {
    query: {
      store: "1002",
      workstation: "02",
      function: "pos-client",
      "active-version": "1.0.0",
      "preferred-version": "1.1.0",
      status: "Not Ready",
      group: "DE",
      "valid-from-from": "2026-03-01",
      "valid-from-to": "2026-03-01",
    },
    keys: ["1002/02/pos-client"],
  },
];

describe("the 24-row fleet", () => {
  const table = FleetTable.fromRows([...FLEET_24].reverse());

  it("has 24 rows, listed by store, workstation, function", () => {
    expect(table.size).toBe(24);
    expect(keysOf(table.all())).toEqual([...S1001, ...S1002, ...S2001]);
  });

  it.each(cases)("$query", ({ query, keys }) => {
    const parsed = parseFilters(query);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(keysOf(FLEET_24.filter((row) => matches(row, parsed.value)))).toEqual(keys);
    expect(keysOf(table.query(parsed.value))).toEqual(keys);
  });
});
