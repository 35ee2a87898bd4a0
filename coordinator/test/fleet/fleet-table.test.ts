import { describe, expect, it } from "vitest";
import { parseFilters } from "../../src/fleet/filter-schema.js";
import { compileFilters, type Filters } from "../../src/fleet/filters.js";
import { FleetTable } from "../../src/fleet/fleet-table.js";
import { compareRows, rowKey, type ServiceRow } from "../../src/fleet/service-row.js";
import {
  FLEET_24,
  keysOf,
  MARCH_2026,
  makeRow,
  pick,
  prng,
  RANDOM_FUNCTIONS,
  RANDOM_GROUPS,
  RANDOM_VERSIONS,
  randomFleet,
} from "./fixtures.js";

const sorted = (rows: readonly ServiceRow[]): ServiceRow[] => [...rows].sort(compareRows);

/** The naive answer: every row tested in turn (the predicate compiled once per query). */
function naiveQuery(rows: readonly ServiceRow[], filters: Filters): ServiceRow[] {
  const test = compileFilters(filters);
  return rows.filter((row) => test(row));
}

describe("FleetTable basics", () => {
  it("upserts, gets, replaces and deletes by key", () => {
    const table = new FleetTable();
    const row = makeRow();
    expect(table.upsert(row)).toBeUndefined();
    expect(table.size).toBe(1);
    expect(table.has("1001/01/pos-client")).toBe(true);
    expect(table.get("1001/01/pos-client")).toEqual(row);

    const next = makeRow({ status: "Prepared", preferredVersion: "1.1.0" });
    expect(table.upsert(next)).toEqual(row);
    expect(table.size).toBe(1);
    expect(table.get("1001/01/pos-client")).toEqual(next);

    expect(table.delete("1001/01/pos-client")).toBe(true);
    expect(table.delete("1001/01/pos-client")).toBe(false);
    expect(table.size).toBe(0);
    expect(table.get("1001/01/pos-client")).toBeUndefined();
    expect(table.all()).toEqual([]);
  });

  it("stores frozen copies with exactly the row's fields", () => {
    const table = new FleetTable();
    const input = { ...makeRow(), extra: "not a row field" } as ServiceRow;
    table.upsert(input);
    (input as { status: string }).status = "Failed";
    const stored = table.get(rowKey(input));
    expect(stored?.status).toBe("OK");
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.keys(stored ?? {})).not.toContain("extra");
  });

  it("moves a row between index entries when it changes", () => {
    const table = FleetTable.fromRows(FLEET_24);
    const key = "1001/01/pos-client";
    const before = table.get(key) as ServiceRow;
    table.upsert({
      ...before,
      status: "In Progress",
      phase: "installing",
      activeVersion: "1.0.0",
      preferredVersion: "1.2.0",
      group: "AT/Wien",
      validFrom: "2026-04-01T00:00:00.000Z",
    });
    expect(keysOf(table.query({ status: ["Prepared"], store: ["1001"] }))).not.toContain(key);
    expect(keysOf(table.query({ status: ["In Progress"], store: ["1001"] }))).toContain(key);
    expect(keysOf(table.query({ preferredVersion: ["1.2.0"] }))).toEqual([key]);
    expect(keysOf(table.query({ group: ["DE/North"], workstation: ["01"] }))).toEqual([
      "1001/01/price-service",
    ]);
    expect(keysOf(table.query({ group: ["AT"] }))[0]).toBe(key);
    expect(keysOf(table.query({ validFromFrom: "2026-03-31T00:00:00.000Z" }))).toEqual([key]);
    expect(table.groups()).toEqual(["AT", "AT/Wien", "DE/North", "DE/South"]);
  });

  it("lists a workstation's services by function", () => {
    const table = FleetTable.fromRows([...FLEET_24].reverse());
    expect(keysOf(table.rowsOfWorkstation("1002", "03"))).toEqual([
      "1002/03/pos-client",
      "1002/03/price-service",
    ]);
    expect(table.rowsOfWorkstation("1002", "09")).toEqual([]);
  });

  it("lists in store, workstation, function order whatever the insert order", () => {
    const table = new FleetTable();
    const ids = ["1", "10", "1-", "1_", "2", "01"];
    const random = prng(7);
    const rows = ids.flatMap((store) =>
      ids.map((workstation) => makeRow({ store, workstation, function: pick(random, ["a", "b"]) })),
    );
    for (const row of [...rows].sort(() => random() - 0.5)) table.upsert(row);
    expect(keysOf(table.all())).toEqual(keysOf(sorted(rows)));
  });

  it("round-trips through JSON", () => {
    const table = FleetTable.fromRows(FLEET_24);
    const text = JSON.stringify(table);
    const loaded = FleetTable.fromJSON(JSON.parse(text));
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.value.all()).toEqual(table.all());
    expect(loaded.value.toJSON()).toEqual(sorted(FLEET_24));
  });

  it("refuses stored rows that are invalid or repeat a key", () => {
    const bad = FleetTable.fromJSON([makeRow(), { ...makeRow(), status: "Done" }]);
    expect(bad).toEqual({
      ok: false,
      error:
        'rows[1]: status: "Done" is not one of "OK", "Prepared", "In Progress", "Not Ready", "Rolled Back", "Failed"',
    });
    const twice = FleetTable.fromJSON([makeRow(), makeRow({ function: "x" }), makeRow()]);
    expect(twice).toEqual({
      ok: false,
      error: "rows[2]: duplicate key 1001/01/pos-client (also rows[0])",
    });
    expect(FleetTable.fromJSON({})).toEqual({ ok: false, error: "fleet rows: expected an array" });
  });
});

/**
 * Random filters over the random fleet's values, as a console would send
 * them: a list filter holds one to three values, comma-separated or as a
 * repeated parameter (an array).
 */
function randomQuery(random: () => number): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  const maybe = (name: string, value: () => string): void => {
    if (random() >= 0.3) return;
    const single = name.startsWith("valid-from-");
    const values = Array.from({ length: single ? 1 : 1 + Math.floor(random() * 3) }, value);
    query[name] = values.length === 1 || random() < 0.5 ? values.join(",") : values;
  };
  const stamp = (): string =>
    random() < 0.5
      ? new Date(MARCH_2026 + Math.floor(random() * 33 * 24) * 3_600_000).toISOString()
      : `2026-03-${String(1 + Math.floor(random() * 31)).padStart(2, "0")}`;
  maybe("store", () => `S${String(Math.floor(random() * 1100)).padStart(5, "0")}`);
  maybe("workstation", () => `0${1 + Math.floor(random() * 6)}`);
  maybe("function", () => pick(random, [...RANDOM_FUNCTIONS, "nothing"]));
  maybe("active-version", () => pick(random, RANDOM_VERSIONS) ?? "-");
  maybe("preferred-version", () => pick(random, RANDOM_VERSIONS) ?? "-");
  maybe("status", () =>
    pick(random, ["ok", "Prepared", "in-progress", "not-ready", "rolled-back", "Failed"]),
  );
  maybe(
    "group",
    () => pick(random, ["DE", "DE/North", "DE/Nor", "D", "DEX", "AT", ...RANDOM_GROUPS]) ?? "CH",
  );
  maybe("valid-from-from", stamp);
  maybe("valid-from-to", stamp);
  const from = query["valid-from-from"];
  const to = query["valid-from-to"];
  if (from !== undefined && to !== undefined && to < from) {
    query["valid-from-from"] = to;
    query["valid-from-to"] = from;
  }
  return query;
}

function parsed(query: Record<string, string | string[]>): Filters {
  const result = parseFilters(query);
  if (!result.ok) throw new Error(`${JSON.stringify(query)}: ${result.error}`);
  return result.value;
}

// Hundreds of queries over 20,000 rows: bounded in count, given time on a busy machine.
describe("FleetTable.query equals a naive filter", { timeout: 30_000 }, () => {
  const random = prng(20_000);
  const rows = randomFleet(20_000, random);
  const table = FleetTable.fromRows(rows);
  const expected = sorted(rows);

  it("holds 20,000 rows", () => {
    expect(table.size).toBe(20_000);
    expect(keysOf(table.all())).toEqual(keysOf(expected));
  });

  it("for 250 random filters", () => {
    let nonEmpty = 0;
    for (let i = 0; i < 250; i++) {
      const filters = parsed(randomQuery(random));
      const naive = naiveQuery(expected, filters);
      const answer = table.query(filters);
      expect(keysOf(answer), JSON.stringify(filters)).toEqual(keysOf(naive));
      if (naive.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(100);
  });

  it("for 250 random filters with lists", () => {
    let lists = 0;
    for (let i = 0; i < 250; i++) {
      const query = randomQuery(random);
      const filters = parsed(query);
      if (Object.values(filters).some((v) => Array.isArray(v) && v.length > 1)) lists++;
      const naive = naiveQuery(expected, filters);
      expect(keysOf(table.query(filters)), JSON.stringify(filters)).toEqual(keysOf(naive));
    }
    expect(lists).toBeGreaterThan(50);
  });

  it("for lists of stores with workstations (the pair index) and overlapping groups", () => {
    const stores = Array.from({ length: 40 }, (_, i) => `S${String(i * 27).padStart(5, "0")}`);
    const cases: Record<string, string | string[]>[] = [
      { store: stores.slice(0, 3), workstation: "01,02" },
      { store: stores, workstation: ["01", "03", "05"] },
      { store: stores, workstation: Array.from({ length: 9 }, (_, i) => `0${i + 1}`) },
      { group: "DE,DE/North" },
      { group: ["DE/North", "DE", "AT"], status: "failed,ok" },
      { group: "D,DE/Nor,XX" },
    ];
    for (const query of cases) {
      const filters = parsed(query);
      const naive = naiveQuery(expected, filters);
      expect(keysOf(table.query(filters)), JSON.stringify(query)).toEqual(keysOf(naive));
    }
  });

  it("for every group prefix, alone and with a status", () => {
    const prefixes = ["D", "DE/Nor", "DE/North/", "XX", ...RANDOM_GROUPS.filter((g) => g !== null)];
    for (const group of prefixes) {
      for (const status of [undefined, "Failed", "OK"] as const) {
        const filters = parsed(status === undefined ? { group } : { group, status });
        const naive = naiveQuery(expected, filters);
        expect(keysOf(table.query(filters)), JSON.stringify(filters)).toEqual(keysOf(naive));
      }
    }
  });

  it("after random upserts and deletes", () => {
    const live = new Map(rows.map((row) => [rowKey(row), row]));
    const changes = randomFleet(2_000, prng(99)).map((row) => ({
      ...row,
      store: `S${String(Math.floor(random() * 1100)).padStart(5, "0")}`,
    }));
    const copy = FleetTable.fromRows(rows);
    for (const row of changes) {
      if (random() < 0.3) {
        const key = rowKey(row);
        expect(copy.delete(key)).toBe(live.delete(key));
      } else {
        copy.upsert(row);
        live.set(rowKey(row), row);
      }
      if (random() < 0.02) {
        // Queries in between exercise the incremental merge of the order.
        const filters = parsed(randomQuery(random));
        const naive = naiveQuery(sorted([...live.values()]), filters);
        expect(keysOf(copy.query(filters))).toEqual(keysOf(naive));
      }
    }
    const all = sorted([...live.values()]);
    expect(copy.size).toBe(live.size);
    expect(copy.all()).toEqual(all);
    for (let i = 0; i < 100; i++) {
      const filters = parsed(randomQuery(random));
      expect(keysOf(copy.query(filters))).toEqual(keysOf(naiveQuery(all, filters)));
    }
  });
});

describe("FleetTable speed over 100,000 rows", () => {
  const table = FleetTable.fromRows(randomFleet(100_000, prng(100_000)));

  function medianMs(filters: Filters): { ms: number; count: number } {
    const times: number[] = [];
    let count = 0;
    table.query(filters); // warm up
    for (let i = 0; i < 7; i++) {
      const start = performance.now();
      count = table.query(filters).length;
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return { ms: times[3] as number, count };
  }

  // Generous bounds so a loaded machine passes; typical numbers are far lower.
  const cases: { name: string; filters: Filters; maxMs: number }[] = [
    { name: "one store", filters: { store: ["S01234"] }, maxMs: 5 },
    { name: "one workstation", filters: { store: ["S01234"], workstation: ["03"] }, maxMs: 5 },
    {
      name: "a rare status in a group",
      filters: { status: ["Failed"], group: ["DE/North"] },
      maxMs: 10,
    },
    { name: "a group prefix", filters: { group: ["AT"] }, maxMs: 25 },
    {
      name: "ten stores",
      filters: { store: Array.from({ length: 10 }, (_, i) => `S0${1000 + i * 7}`) },
      maxMs: 5,
    },
    {
      name: "two statuses in two groups",
      filters: { status: ["Failed", "Rolled Back"], group: ["DE/North", "AT"] },
      maxMs: 15,
    },
    {
      name: "a version and a date range",
      filters: {
        preferredVersion: ["2.1.0"],
        validFromFrom: "2026-03-10T00:00:00.000Z",
        validFromTo: "2026-03-12T00:00:00.000Z",
      },
      maxMs: 25,
    },
    { name: "full scan, no filter", filters: {}, maxMs: 40 },
    {
      name: "full scan, date range only",
      filters: { validFromFrom: "2026-03-10T00:00:00.000Z" },
      maxMs: 40,
    },
  ];
  it.each(cases)("$name", ({ filters, maxMs }) => {
    const { ms, count } = medianMs(filters);
    expect(count).toBeGreaterThan(0);
    expect(ms).toBeLessThan(maxMs);
  });
});
