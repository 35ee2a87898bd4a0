import { type MaintenanceWindow, windowDeadline } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { contextFrom, windowKey } from "../../src/releases/release-context.js";

const BERLIN: MaintenanceWindow = {
  tz: "Europe/Berlin",
  days: ["mon", "tue", "wed", "thu", "fri", "sat"],
  start: "02:00",
  durationMinutes: 180,
};
const LISBON: MaintenanceWindow = { ...BERLIN, tz: "Europe/Lisbon" };
const SENT = Date.parse("2026-12-01T00:30:00Z");
const TWO_HOURS = 2 * 3_600_000;

describe("the planner's window deadline is remembered per window, send time and budget", () => {
  it("members sent together cost one calculus call; another window, time or budget its own", () => {
    const asked: string[] = [];
    const context = contextFrom({
      windowDeadline: (window, fromMs, budgetMs) => {
        asked.push(`${window.tz} ${fromMs} ${budgetMs}`);
        return windowDeadline(window, fromMs, budgetMs);
      },
    });
    const answers = new Set<number>();
    for (let member = 0; member < 1000; member += 1)
      answers.add(context.windowDeadline(BERLIN, SENT, TWO_HOURS));
    // The same answer as the calculus itself: 02:00-04:00 Berlin is 01:00Z-03:00Z.
    expect([...answers]).toEqual([Date.parse("2026-12-01T03:00:00Z")]);
    expect(asked).toHaveLength(1);

    context.windowDeadline({ ...BERLIN, days: [...BERLIN.days] }, SENT, TWO_HOURS);
    expect(asked).toHaveLength(1); // an equal window is the same window
    context.windowDeadline(LISBON, SENT, TWO_HOURS);
    context.windowDeadline(BERLIN, SENT + 1, TWO_HOURS);
    context.windowDeadline(BERLIN, SENT, TWO_HOURS + 1);
    expect(asked).toHaveLength(4);
  });

  it("a window's key names zone, days, start and length", () => {
    expect(windowKey(BERLIN)).toBe("Europe/Berlin|mon,tue,wed,thu,fri,sat|02:00|180");
    expect(windowKey(LISBON)).not.toBe(windowKey(BERLIN));
    expect(windowKey({ ...BERLIN, durationMinutes: 181 })).not.toBe(windowKey(BERLIN));
  });
});
