import { describe, expect, it } from "vitest";
import {
  compareRows,
  freezeRow,
  parseRowKey,
  rowKey,
  rowSortKey,
  type ServiceRow,
  validateRow,
  validateRows,
} from "../../src/fleet/service-row.js";
import { FLEET_24, makeRow, prng } from "./fixtures.js";

describe("service rows", () => {
  it("keys rows store/workstation/function and reads keys back", () => {
    const row = makeRow({ store: "1001", workstation: "01", function: "pos-client" });
    expect(rowKey(row)).toBe("1001/01/pos-client");
    expect(parseRowKey("1001/01/pos-client")).toEqual({
      store: "1001",
      workstation: "01",
      function: "pos-client",
    });
    for (const bad of ["1001/01", "1001/01/pos/x", "1001//pos", "10 01/01/pos", "1001/01/.x"]) {
      expect(parseRowKey(bad), bad).toBeUndefined();
    }
  });

  it("sort keys order rows exactly as compareRows does", () => {
    const random = prng(3);
    const ids = ["1", "10", "1-", "1_", "1a", "A", "a", "01", "0"];
    const refs = Array.from({ length: 500 }, () => ({
      store: ids[Math.floor(random() * ids.length)] as string,
      workstation: ids[Math.floor(random() * ids.length)] as string,
      function: ids[Math.floor(random() * ids.length)] as string,
    }));
    const byCompare = [...refs].sort(compareRows).map(rowKey);
    const bySortKey = [...refs]
      .sort((a, b) => (rowSortKey(a) < rowSortKey(b) ? -1 : rowSortKey(a) > rowSortKey(b) ? 1 : 0))
      .map(rowKey);
    expect(bySortKey).toEqual(byCompare);
  });

  it("freezes a copy with only the row's fields", () => {
    const row = freezeRow({ ...makeRow(), extra: 1 } as ServiceRow);
    expect(Object.isFrozen(row)).toBe(true);
    expect(row).toEqual(makeRow());
  });

  it("accepts every row of the sample fleet", () => {
    for (const row of FLEET_24)
      expect(validateRow(row), rowKey(row)).toEqual({ ok: true, value: row });
    expect(validateRows(FLEET_24)).toEqual({ ok: true, value: FLEET_24 });
  });

  const bad: { name: string; row: Record<string, unknown>; error: string | RegExp }[] = [
    {
      name: "bad store",
      row: { store: "10/01" },
      error: /^store: "10\/01" is not a valid store id/,
    },
    {
      name: "bad workstation",
      row: { workstation: "" },
      error: "workstation: workstation id is empty",
    },
    {
      name: "bad function",
      row: { function: ".." },
      error: /^function: "\.\." is not a valid function/,
    },
    {
      name: "bad version",
      row: { activeVersion: "1.0" },
      error: 'activeVersion: "1.0" is not a semver version',
    },
    { name: "bad status", row: { status: "Done" }, error: /^status: "Done" is not one of "OK", / },
    {
      name: "phase without In Progress",
      row: { phase: "installing" },
      error: "phase: must be null when status is OK",
    },
    {
      name: "In Progress without phase",
      row: { status: "In Progress" },
      error: "phase: is required when status is In Progress",
    },
    {
      name: "Not Ready without reason",
      row: { status: "Not Ready", preferredVersion: "1.1.0" },
      error: "reason: is required when status is Not Ready",
    },
    {
      name: "progress above 100",
      row: { status: "In Progress", phase: "downloading", progress: 101 },
      error: /^progress: 101 is above/,
    },
    {
      name: "bad validFrom",
      row: { validFrom: "tomorrow" },
      error: /^validFrom: "tomorrow" is not an ISO 8601/,
    },
    {
      name: "bad group",
      row: { group: "DE//North" },
      error: /^group: "DE\/\/North" is not a valid business unit group/,
    },
    {
      name: "online not boolean",
      row: { online: "yes" },
      error: 'online: expected boolean, got string "yes"',
    },
    { name: "missing updatedAt", row: { updatedAt: undefined }, error: "updatedAt: is required" },
    { name: "unknown field", row: { colour: "red" }, error: 'unknown field "colour"' },
  ];
  it.each(bad)("refuses a row: $name", ({ row, error }) => {
    const result = validateRow({ ...makeRow(), ...row });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    if (typeof error === "string") expect(result.error).toBe(error);
    else expect(result.error).toMatch(error);
  });

  it("names the row of a list that is wrong", () => {
    expect(validateRows([makeRow(), "row"])).toEqual({
      ok: false,
      error: 'rows[1]: expected object, got string "row"',
    });
  });
});
