import { describe, expect, it } from "vitest";
import type { ServiceRow } from "../../src/fleet/service-row.js";
import {
  clip,
  formatStatusTable,
  lastReportText,
  MAX_REASON_WIDTH,
  SCHEDULED_COLUMN,
  STATUS_TABLE_COLUMNS,
  scheduledText,
  statusText,
  toJsonRow,
  validFromText,
} from "../../src/fleet/status-table.js";
import { FLEET_24, makeRow } from "./fixtures.js";

const byKey = (key: string): ServiceRow => {
  const row = FLEET_24.find((r) => `${r.store}/${r.workstation}/${r.function}` === key);
  if (row === undefined) throw new Error(key);
  return row;
};

describe("status cell", () => {
  const long = "the POS reports an open transaction ".repeat(3).trim();
  const cases: { row: Partial<ServiceRow>; text: string }[] = [
    { row: { status: "OK" }, text: "OK" },
    { row: { status: "Prepared" }, text: "Prepared" },
    {
      row: { status: "In Progress", phase: "downloading", progress: 37 },
      text: "In Progress (downloading 37 %)",
    },
    {
      row: { status: "In Progress", phase: "downloading", progress: 99.9 },
      text: "In Progress (downloading 99 %)",
    },
    { row: { status: "In Progress", phase: "installing" }, text: "In Progress (installing)" },
    { row: { status: "In Progress", phase: "rolling-back" }, text: "In Progress (rolling-back)" },
    { row: { status: "In Progress" }, text: "In Progress" },
    {
      row: { status: "Not Ready", reason: "user alice logged in on till 01" },
      text: "Not Ready: user alice logged in on till 01",
    },
    {
      row: { status: "Rolled Back", reason: "health check failed" },
      text: "Rolled Back: health check failed",
    },
    {
      row: { status: "Failed", reason: "rollback failed:\n  start script exited with 1" },
      text: "Failed: rollback failed: start script exited with 1",
    },
    { row: { status: "Failed" }, text: "Failed" },
    { row: { status: "OK", reason: "left over" }, text: "OK" },
    {
      row: { status: "Not Ready", reason: long },
      text: `Not Ready: ${long.slice(0, MAX_REASON_WIDTH - 1)}…`,
    },
  ];
  it.each(cases)("$text", ({ row, text }) => {
    expect(statusText(makeRow(row))).toBe(text);
  });

  it("cuts long reasons at 60 characters, counting code points", () => {
    expect([...clip("ä".repeat(80), 60)]).toHaveLength(60);
    expect(clip("ä".repeat(80), 60).endsWith("ä…")).toBe(true);
    expect(clip("😀".repeat(60), 60)).toBe("😀".repeat(60));
    expect(clip("x".repeat(61), 60)).toBe(`${"x".repeat(59)}…`);
  });
});

describe("valid-from cell", () => {
  const cases: [string | null, string][] = [
    [null, "-"],
    ["2026-03-01T06:00:00.000Z", "2026-03-01 06:00 UTC"],
    ["2026-03-01T06:00:00Z", "2026-03-01 06:00 UTC"],
    ["2026-03-01T06:00:30.000Z", "2026-03-01 06:00:30 UTC"],
    ["2026-03-01T06:00:00.250Z", "2026-03-01 06:00:00 UTC"],
  ];
  it.each(cases)("%j → %s", (validFrom, text) => {
    expect(validFromText(validFrom)).toBe(text);
  });
});

describe("formatStatusTable", () => {
  it("lines up columns as wide as their widest cell", () => {
    const rows = [
      "1001/02/pos-client",
      "1001/02/price-service",
      "1001/04/price-service",
      "2001/04/pos-client",
    ].map(byKey);
    expect(formatStatusTable(rows).split("\n")).toEqual([
      "Store  Workstation  Function       Active Version  Preferred Version  Status                                      Valid From            Business Unit Group  Online  Last Report",
      "1001   02           pos-client     1.0.0           1.1.0              In Progress (downloading 37 %)              2026-03-01 06:00 UTC  DE/North             yes     -",
      "1001   02           price-service  2.0.0           2.1.0              Not Ready: user alice logged in on till 01  2026-03-02 22:00 UTC  DE/North             yes     -",
      "1001   04           price-service  -               2.1.0              Prepared                                    2026-03-05 00:00 UTC  DE/North             yes     -",
      "2001   04           pos-client     1.1.0           -                  OK                                          -                     AT                   no      -",
    ]);
  });

  it("shows only the headings for no rows", () => {
    expect(formatStatusTable([])).toBe(STATUS_TABLE_COLUMNS.join("  "));
  });

  it("keeps every line to one row, whatever the reason", () => {
    const row = makeRow({ status: "Failed", reason: `${"x".repeat(200)}\nsecond line` });
    const lines = formatStatusTable([row]).split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`Failed: ${"x".repeat(59)}…`);
  });

  it("measures cells in characters, not UTF-16 units", () => {
    const lines = formatStatusTable([
      makeRow({ status: "Not Ready", reason: "Kasse 😀 von Jürgen belegt" }),
      makeRow({ workstation: "02", status: "Not Ready", reason: "user bob logged in" }),
    ]).split("\n");
    const groupColumn = (line: string): number =>
      [...line.slice(0, line.indexOf("DE/North"))].length;
    expect(lines[1]).toContain("Not Ready: Kasse 😀 von Jürgen belegt  -");
    expect(groupColumn(lines[1] as string)).toBe(groupColumn(lines[2] as string));
    expect(groupColumn(lines[1] as string)).toBe(
      groupColumn(lines[0]?.replace("Business Unit Group", "DE/North") as string),
    );
  });
});

describe("toJsonRow", () => {
  it("has exactly the fields scripts read, in order", () => {
    const row = byKey("1001/02/pos-client");
    const json = toJsonRow(row);
    expect(Object.keys(json)).toEqual([
      "store",
      "workstation",
      "function",
      "activeVersion",
      "preferredVersion",
      "status",
      "phase",
      "reason",
      "validFrom",
      "group",
      "online",
      "lastReport",
      "scheduled",
      "recipe",
    ]);
    expect(JSON.stringify(json)).toBe(
      '{"store":"1001","workstation":"02","function":"pos-client","activeVersion":"1.0.0","preferredVersion":"1.1.0","status":"In Progress","phase":"downloading","reason":null,"validFrom":"2026-03-01T06:00:00.000Z","group":"DE/North","online":true,"lastReport":null,"scheduled":null,"recipe":null}',
    );
  });
});

describe("last report (issue 8 item 19)", () => {
  const cases: [string | null | undefined, string][] = [
    [undefined, "-"],
    [null, "-"],
    ["2026-11-30T09:01:13.250Z", "2026-11-30 09:01:13 UTC"],
    ["not a time", "not a time"],
  ];
  it.each(cases)("%j → %s", (lastReport, text) => {
    expect(lastReportText(lastReport)).toBe(text);
  });

  it("is the last column of the table and a field of the JSON row", () => {
    const row = { ...byKey("1001/02/pos-client"), lastReport: "2026-11-30T09:01:13.000Z" };
    const [heading, line] = formatStatusTable([row]).split("\n");
    expect(heading?.endsWith("Online  Last Report")).toBe(true);
    expect(line?.endsWith("yes     2026-11-30 09:01:13 UTC")).toBe(true);
    expect(toJsonRow(row).lastReport).toBe("2026-11-30T09:01:13.000Z");
  });
});

describe("scheduled (issue 11)", () => {
  const mark = { release: "3", name: "spring", at: "2026-12-01T01:00:00.000Z" };
  it.each([
    [null, "-"],
    [undefined, "-"],
    [mark, "#3 12-01 01:00Z"],
    [{ ...mark, at: null }, "#3"],
  ])("%j → %s", (given, text) => {
    expect(scheduledText(given)).toBe(text);
  });

  it("the SCHEDULED column appears only when some row has a scheduled task", () => {
    const plain = byKey("1001/02/pos-client");
    expect(formatStatusTable([plain])).not.toContain(SCHEDULED_COLUMN);
    expect(formatStatusTable([{ ...plain, scheduled: null }])).toBe(formatStatusTable([plain]));
    const other = byKey("1001/01/pos-client");
    const [heading, first, second] = formatStatusTable([
      { ...plain, scheduled: mark },
      other,
    ]).split("\n");
    expect(heading?.endsWith("Last Report  SCHEDULED")).toBe(true);
    expect(first?.endsWith("#3 12-01 01:00Z")).toBe(true);
    expect(second?.endsWith("-")).toBe(true);
    expect(toJsonRow({ ...plain, scheduled: mark }).scheduled).toEqual(mark);
  });
});
