// Acceptance 1 (inheritance part): which window a store's rows get. Table tests of the
// pure resolver: group inheritance, subgroups, the store's zone override, its own window.

import type { MaintenanceWindow } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { groupPath, resolveWindow } from "../../src/schedules/resolve-window.js";
import type { StoreSetting, WindowSetting } from "../../src/schedules/schedule-model.js";

const win = (tz: string, start = "02:00", durationMinutes = 180): MaintenanceWindow => ({
  tz,
  days: ["mon", "tue", "wed", "thu", "fri", "sat"],
  start,
  durationMinutes,
});
const group = (name: string, window: MaintenanceWindow): WindowSetting => ({
  subject: { kind: "group", group: name },
  window,
  setBy: "admin",
  setAt: "2026-11-30T09:00:00.000Z",
});
const store = (id: string, window: MaintenanceWindow): WindowSetting => ({
  subject: { kind: "store", store: id },
  window,
  setBy: "admin",
  setAt: "2026-11-30T09:00:00.000Z",
});
const setting = (id: string, tz: string | null): StoreSetting => ({
  store: id,
  tz,
  contact: null,
  setBy: "admin",
  setAt: "2026-11-30T09:00:00.000Z",
});

const BERLIN = win("Europe/Berlin");
const NORTH = win("Europe/Berlin", "03:00", 120);
const LISBON_OWN = win("Europe/Lisbon", "01:00", 60);
const WINDOWS = [
  group("DE", BERLIN),
  group("DE/North", NORTH),
  group("AT", win("Europe/Vienna", "04:00", 90)),
  store("1001", LISBON_OWN),
];
const STORES = [
  setting("2002", "Europe/London"),
  setting("1001", "America/New_York"),
  setting("4004", "Europe/Berlin"),
  setting("5005", null),
];

describe("windowFor: a store's own window, else the nearest group's, with the store's zone", () => {
  it.each([
    ["store 3003 in DE inherits DE's window", "3003", "DE", BERLIN, "group DE"],
    [
      "a subgroup without a window inherits its parent's",
      "3003",
      "DE/South/Munich",
      BERLIN,
      "group DE",
    ],
    [
      "the nearest group wins: DE/North over DE",
      "3003",
      "DE/North/Hamburg",
      NORTH,
      "group DE/North",
    ],
    ["exactly the group", "3003", "DE/North", NORTH, "group DE/North"],
    [
      "the store's zone replaces the inherited group's",
      "2002",
      "DE/South",
      { ...BERLIN, tz: "Europe/London" },
      "group DE (zone of store 2002)",
    ],
    ["a store zone equal to the group's changes nothing", "4004", "DE", BERLIN, "group DE"],
    ["a store setting without a zone changes nothing", "5005", "DE", BERLIN, "group DE"],
    [
      "the store's own window wins, in its own zone (not the store's override)",
      "1001",
      "DE/North",
      LISBON_OWN,
      "store 1001",
    ],
    ["the own window applies without any group", "1001", null, LISBON_OWN, "store 1001"],
  ])("%s", (_what, id, rowGroup, window, source) => {
    expect(resolveWindow(id, rowGroup, WINDOWS, STORES)).toEqual({ window, source });
  });

  it.each([
    ["a group no window covers", "FR/Paris"],
    ["a prefix that is not a parent (DEX is not under DE)", "DEX"],
    ["a row without a group", null],
  ])("no window: %s", (_what, rowGroup) => {
    expect(resolveWindow("2002", rowGroup, WINDOWS, STORES)).toBeNull();
  });

  it("no windows at all: none, whatever the store setting", () => {
    expect(resolveWindow("2002", "DE", [], STORES)).toBeNull();
  });

  it("group path: nearest first", () => {
    expect(groupPath("DE/North/Berlin")).toEqual(["DE/North/Berlin", "DE/North", "DE"]);
    expect(groupPath("DE")).toEqual(["DE"]);
    expect(groupPath(null)).toEqual([]);
  });
});
