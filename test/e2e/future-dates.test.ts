import { describe, expect, it } from "vitest";
import { daysAhead, firstDayFrom, isoAt, isoDay, nextYearOf, plusDays } from "./future-dates.js";

const at = (iso: string) => Date.parse(iso);

describe("future dates for tests that plan ahead", () => {
  it.each([
    ["a week before Christmas week", "2026-12-01T03:00:00Z", 2026],
    ["six days before the 20th: next year", "2026-12-14T00:00:01Z", 2027],
    ["on the day: next year", "2026-12-20T12:00:00Z", 2027],
    ["in spring", "2027-04-01T00:00:00Z", 2027],
  ])("nextYearOf(12, 20, a week ahead): %s", (_name, now, year) => {
    expect(nextYearOf(12, 20, { minDaysAhead: 7, now: at(now) })).toBe(year);
  });

  it.each([
    ["30 days ahead, any day", "2026-12-01T03:04:00Z", 30, undefined, "2026-12-31"],
    ["30 days ahead, then Monday", "2026-12-01T03:04:00Z", 30, 1, "2027-01-04"],
    ["already a Monday", "2026-11-30T23:59:59Z", 28, 1, "2026-12-28"],
  ])("daysAhead: %s", (_name, now, days, weekday, day) => {
    const date = daysAhead(days, { now: at(now), ...(weekday === undefined ? {} : { weekday }) });
    expect(isoDay(date)).toBe(day);
    expect(date.getTime() % 86_400_000).toBe(0);
  });

  it("formats a day at a time of day, and moves by whole days", () => {
    const day = daysAhead(0, { now: at("2027-02-28T22:00:00Z") });
    expect(isoAt(day, "02:00")).toBe("2027-02-28T02:00:00Z");
    expect(isoAt(plusDays(day, 1), "06:00")).toBe("2027-03-01T06:00:00Z");
  });
});

describe("firstDayFrom", () => {
  it("answers the first accepted day, or says none was within reach", () => {
    const start = daysAhead(0, { now: Date.parse("2026-12-01T10:00:00Z") });
    expect(isoDay(firstDayFrom(start, (d) => d.getUTCDay() === 2 && d.getUTCMonth() === 0))).toBe(
      "2027-01-05",
    );
    expect(() => firstDayFrom(start, () => false, 3)).toThrow(
      "no accepted day within 3 days of 2026-12-01",
    );
  });
});
