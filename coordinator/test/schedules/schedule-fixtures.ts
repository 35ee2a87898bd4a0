import type { MaintenanceWindow } from "@tillroll/protocol";
import type { WindowSetting } from "../../src/schedules/schedule-model.js";

/** The example window: Berlin, Monday to Saturday, from 02:00 for three hours. */
export const BERLIN_MON_SAT: MaintenanceWindow = {
  tz: "Europe/Berlin",
  days: ["mon", "tue", "wed", "thu", "fri", "sat"],
  start: "02:00",
  durationMinutes: 180,
};

/** Group DE's window set to BERLIN_MON_SAT by admin, as the store keeps it. */
export const DE_WINDOW_SETTING: WindowSetting = {
  subject: { kind: "group", group: "DE" },
  window: BERLIN_MON_SAT,
  setBy: "admin",
  setAt: "2026-11-30T09:00:00.000Z",
};
