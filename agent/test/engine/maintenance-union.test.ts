import { describe, expect, it } from "vitest";
import {
  MAINTENANCE_OFF,
  maintenanceUnion,
  sameMaintenance,
} from "../../src/engine/maintenance-union.js";

const operatorAll = { active: true, functions: [], reason: "inventory", by: "rita" };
const operatorPrice = { active: true, functions: ["price-sync"], reason: null, by: "rita" };
const operatorOff = { active: false, functions: [], reason: null, by: "rita" };
const update = {
  functions: ["pos-client"],
  reason: "updating pos-client 1.0.0 -> 1.1.0",
  scope: "workstation" as const,
};

describe("maintenanceUnion: the operator's switch and the update in progress", () => {
  it.each([
    { name: "neither", operator: null, update: null, want: MAINTENANCE_OFF },
    { name: "operator off, no update", operator: operatorOff, update: null, want: MAINTENANCE_OFF },
    {
      name: "the update only",
      operator: operatorOff,
      update,
      want: {
        active: true,
        functions: ["pos-client"],
        reason: update.reason,
        scope: "workstation",
      },
    },
    {
      name: "the operator only, whole workstation",
      operator: operatorAll,
      update: null,
      want: {
        active: true,
        functions: [],
        reason: "maintenance mode by rita: inventory",
        scope: "workstation",
      },
    },
    {
      name: "both: functions joined, both reasons",
      operator: operatorPrice,
      update,
      want: {
        active: true,
        functions: ["pos-client", "price-sync"],
        reason: `maintenance mode by rita; ${update.reason}`,
        scope: "workstation",
      },
    },
    {
      name: "whole workstation by the operator stays whole during an update",
      operator: operatorAll,
      update,
      want: { active: true, functions: [], scope: "workstation" },
    },
    {
      name: "a store server's update: scope store",
      operator: null,
      update: { ...update, scope: "store" as const },
      want: { active: true, functions: ["pos-client"], scope: "store" },
    },
  ])("$name", ({ operator, update: u, want }) => {
    expect(maintenanceUnion(operator, u)).toMatchObject(want);
  });

  it("tells equal documents apart from different ones", () => {
    expect(
      sameMaintenance(maintenanceUnion(operatorAll, null), maintenanceUnion(operatorAll, null)),
    ).toBe(true);
    expect(sameMaintenance(maintenanceUnion(operatorAll, null), MAINTENANCE_OFF)).toBe(false);
  });
});
