import { STATUSES } from "@tillroll/protocol";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { scopeCovers } from "../../src/accounts/scope.js";
import { compileFilters, type Filters } from "../../src/fleet/filters.js";
import { PAGE_SORTS, type PageWindow, SORT_DIRS } from "../../src/fleet/fleet-page.js";
import { FleetTable } from "../../src/fleet/fleet-table.js";
import { compareRows, rowKey, type ServiceRow } from "../../src/fleet/service-row.js";
import { MARCH_2026, makeRow, prng, randomFleet } from "./fixtures.js";

/** The naive page: filter, scope, count, sort everything, slice. Written apart from fleet-page.ts. */
function naiveView(
  rows: readonly ServiceRow[],
  filters: Filters,
  scope: string | null,
  window: Pick<PageWindow, "sort" | "dir">,
) {
  const test = compileFilters(filters);
  const view = rows.filter((row) => test(row) && scopeCovers(scope, row.group));
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<string, number>;
  for (const row of view) counts[row.status] = (counts[row.status] ?? 0) + 1;
  const nullsFirst = <T>(a: T | null, b: T | null, cmp: (a: T, b: T) => number) =>
    a === null ? (b === null ? 0 : -1) : b === null ? 1 : cmp(a, b);
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const column = (a: ServiceRow, b: ServiceRow): number => {
    switch (window.sort) {
      case "store":
        return compareRows(a, b);
      case "workstation":
      case "function":
      case "updatedAt":
        return text(a[window.sort], b[window.sort]);
      case "group":
        return nullsFirst(a.group, b.group, text);
      case "activeVersion":
      case "preferredVersion":
        return nullsFirst(a[window.sort], b[window.sort], semver.compare);
      case "status":
        return STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status);
      case "validFrom":
        return nullsFirst(a.validFrom, b.validFrom, (x, y) => Date.parse(x) - Date.parse(y));
    }
  };
  const sign = window.dir === "asc" ? 1 : -1;
  const sorted = [...view].sort((a, b) =>
    window.sort === "store" ? sign * compareRows(a, b) : sign * column(a, b) || compareRows(a, b),
  );
  return { total: view.length, counts, keys: sorted.map(rowKey) };
}

function fleet(count: number, seed: number): ServiceRow[] {
  const random = prng(seed);
  // Distinct update times, so sorting by them is not only the tie-breaker.
  return randomFleet(count, random).map((row) => ({
    ...row,
    updatedAt: new Date(MARCH_2026 + Math.floor(random() * 1e9)).toISOString(),
  }));
}

const FILTERS: readonly [string, Filters][] = [
  ["none", {}],
  ["one store", { store: ["S00003"] }],
  ["failed", { status: ["Failed"] }],
  ["group DE", { group: ["DE"] }],
  ["group DE/North + not OK", { group: ["DE/North"], status: ["Failed", "Not Ready"] }],
  ["version", { activeVersion: ["2.0.0", null], function: ["scale"] }],
  [
    "valid-from range",
    { validFromFrom: "2026-03-05T00:00:00.000Z", validFromTo: "2026-03-20T00:00:00.000Z" },
  ],
  ["nothing", { store: ["nope"] }],
];
const SCOPES: readonly (string | null)[] = [null, "DE", "DE/North", "AT/Wien", "XX"];
const WINDOWS: readonly Omit<PageWindow, "sort" | "dir">[] = [
  { offset: 0, limit: 100 },
  { offset: 7, limit: 13 },
  { offset: 250, limit: 500 },
  { offset: 1500, limit: 1 },
  { offset: 100_000, limit: 10 },
];

describe("FleetTable.page", () => {
  const rows = fleet(2000, 12);
  const table = FleetTable.fromRows(rows);

  it("agrees with the naive page for every filter, scope, sort, direction and window", () => {
    let cases = 0;
    for (const [, filters] of FILTERS) {
      for (const scope of SCOPES) {
        for (const sort of PAGE_SORTS) {
          for (const dir of SORT_DIRS) {
            const expected = naiveView(rows, filters, scope, { sort, dir });
            for (const bounds of WINDOWS) {
              const window: PageWindow = { sort, dir, ...bounds };
              const page = table.page(filters, scope, window);
              const got = { total: page.total, counts: page.counts, keys: page.rows.map(rowKey) };
              const want = {
                total: expected.total,
                counts: expected.counts,
                keys: expected.keys.slice(window.offset, window.offset + window.limit),
              };
              if (JSON.stringify(got) !== JSON.stringify(want)) {
                expect({ filters, scope, window, ...got }).toEqual({
                  filters,
                  scope,
                  window,
                  ...want,
                });
              }
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBe(FILTERS.length * SCOPES.length * PAGE_SORTS.length * 2 * WINDOWS.length);
  }, 60_000);

  it("counts every status, zero included, over the scoped view, not just the page", () => {
    const small = FleetTable.fromRows([
      makeRow({ store: "1001", group: "DE/North" }),
      makeRow({ store: "1002", group: "DE/South", status: "Failed", reason: "disk full" }),
      makeRow({ store: "2001", group: "AT", status: "Failed", reason: "disk full" }),
    ]);
    const page = small.page({}, "DE", { sort: "store", dir: "asc", offset: 0, limit: 1 });
    expect(page.total).toBe(2);
    expect(page.rows.map(rowKey)).toEqual(["1001/01/pos-client"]);
    expect(page.counts).toEqual({
      OK: 1,
      Prepared: 0,
      "In Progress": 0,
      "Not Ready": 0,
      "Rolled Back": 0,
      Failed: 1,
    });
    // A group filter outside the scope shows nothing (the scope is not widened by it).
    expect(
      small.page({ group: ["AT"] }, "DE", { sort: "store", dir: "asc", offset: 0, limit: 9 }),
    ).toMatchObject({ total: 0, rows: [] });
  });

  it("sorts versions in semver order (1.9.0 before 1.10.0), none first", () => {
    const small = FleetTable.fromRows(
      ["1.10.0", "1.9.0", null, "1.2.0-rc.1", "1.2.0"].map((activeVersion, i) =>
        makeRow({ store: `100${i}`, activeVersion }),
      ),
    );
    const order = (dir: "asc" | "desc") =>
      small
        .page({}, null, { sort: "activeVersion", dir, offset: 0, limit: 10 })
        .rows.map((row) => row.activeVersion);
    expect(order("asc")).toEqual([null, "1.2.0-rc.1", "1.2.0", "1.9.0", "1.10.0"]);
    expect(order("desc")).toEqual(["1.10.0", "1.9.0", "1.2.0", "1.2.0-rc.1", null]);
  });

  it("follows changes: an upserted or deleted row moves in or out of the page", () => {
    const small = FleetTable.fromRows([makeRow({ store: "1001" }), makeRow({ store: "1003" })]);
    const window: PageWindow = { sort: "status", dir: "desc", offset: 0, limit: 10 };
    small.upsert(makeRow({ store: "1002", status: "Failed", reason: "x" }));
    expect(small.page({}, null, window).rows.map((r) => r.store)).toEqual(["1002", "1001", "1003"]);
    small.delete("1002/01/pos-client");
    expect(small.page({}, null, window)).toMatchObject({ total: 2 });
  });
});

describe("FleetTable.facets", () => {
  const rows = fleet(2000, 5);
  const table = FleetTable.fromRows(rows);

  for (const scope of SCOPES) {
    it(`lists the distinct groups, functions and versions in scope ${scope}`, () => {
      const inScope = rows.filter((row) => scopeCovers(scope, row.group));
      const versions = new Set<string>();
      for (const row of inScope) {
        if (row.activeVersion !== null) versions.add(row.activeVersion);
        if (row.preferredVersion !== null) versions.add(row.preferredVersion);
      }
      expect(table.facets(scope)).toEqual({
        groups: [
          ...new Set(inScope.flatMap((row) => (row.group === null ? [] : [row.group]))),
        ].sort(),
        functions: [...new Set(inScope.map((row) => row.function))].sort(),
        versions: [...versions].sort(semver.rcompare),
      });
    });
  }
});
