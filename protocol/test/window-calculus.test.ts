import { describe, expect, it } from "vitest";
import {
  describeOpening,
  formatDays,
  installGate,
  type MaintenanceWindow,
  maintenanceWindowSchema,
  nextSpan,
  openSpanAt,
  parseDays,
  type Weekday,
  WINDOW_WAIT_REASON_PREFIX,
  windowDeadline,
  windowTimeBetween,
  windowWaitReason,
} from "../src/index.js";

/** Instants are written in UTC ("Z") so each case states the exact expected instant. */
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
const MIN = 60_000;
const HOUR = 60 * MIN;

const MON_SAT: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat"];
const ALL: Weekday[] = [...MON_SAT, "sun"];

function win(
  tz: string,
  days: Weekday[],
  start: string,
  durationMinutes: number,
): MaintenanceWindow {
  return maintenanceWindowSchema.parse({ tz, days, start, durationMinutes });
}

const berlin = win("Europe/Berlin", MON_SAT, "02:00", 180);

describe("nextSpan / openSpanAt: the opening around an instant, in the store's zone", () => {
  // [case, window, instant, expected open span (or null), expected next span]
  const cases: Array<
    [string, MaintenanceWindow, string, [string, string] | null, [string, string]]
  > = [
    // Europe/Berlin, winter (UTC+1)
    [
      "Berlin inside, Tue 02:30 CET",
      berlin,
      "2026-12-01T01:30:00Z",
      ["2026-12-01T01:00:00Z", "2026-12-01T04:00:00Z"],
      ["2026-12-01T01:00:00Z", "2026-12-01T04:00:00Z"],
    ],
    [
      "Berlin at the opening instant is open",
      berlin,
      "2026-12-01T01:00:00Z",
      ["2026-12-01T01:00:00Z", "2026-12-01T04:00:00Z"],
      ["2026-12-01T01:00:00Z", "2026-12-01T04:00:00Z"],
    ],
    [
      "Berlin at the closing instant is closed",
      berlin,
      "2026-12-01T04:00:00Z",
      null,
      ["2026-12-02T01:00:00Z", "2026-12-02T04:00:00Z"],
    ],
    [
      "Berlin Sunday (unlisted) -> Monday",
      berlin,
      "2026-11-29T02:00:00Z",
      null,
      ["2026-11-30T01:00:00Z", "2026-11-30T04:00:00Z"],
    ],
    // summer (UTC+2): the same wall time is another instant
    [
      "Berlin summer, Wed 02:00 CEST",
      berlin,
      "2026-07-01T00:30:00Z",
      ["2026-07-01T00:00:00Z", "2026-07-01T03:00:00Z"],
      ["2026-07-01T00:00:00Z", "2026-07-01T03:00:00Z"],
    ],
    // America/New_York (UTC-5 in winter)
    [
      "New York Mon 22:00 for 4h, Tue 01:00 EST",
      win("America/New_York", ["mon"], "22:00", 240),
      "2026-12-01T06:00:00Z",
      ["2026-12-01T03:00:00Z", "2026-12-01T07:00:00Z"],
      ["2026-12-01T03:00:00Z", "2026-12-01T07:00:00Z"],
    ],
    // Southern hemisphere: Sydney is UTC+11 in December (summer time)
    [
      "Sydney Sat 01:00 AEDT",
      win("Australia/Sydney", ["sat"], "01:00", 120),
      "2026-12-04T10:00:00Z",
      null,
      ["2026-12-04T14:00:00Z", "2026-12-04T16:00:00Z"],
    ],
    [
      "Auckland winter (UTC+12) Wed 03:00",
      win("Pacific/Auckland", ["wed"], "03:00", 60),
      "2026-07-07T15:30:00Z",
      ["2026-07-07T15:00:00Z", "2026-07-07T16:00:00Z"],
      ["2026-07-07T15:00:00Z", "2026-07-07T16:00:00Z"],
    ],
    // Asia/Kolkata: +05:30, no DST; Monday 01:00 IST is Sunday 19:30 UTC
    [
      "Kolkata Mon 01:00 IST",
      win("Asia/Kolkata", ["mon"], "01:00", 90),
      "2026-11-29T20:00:00Z",
      ["2026-11-29T19:30:00Z", "2026-11-29T21:00:00Z"],
      ["2026-11-29T19:30:00Z", "2026-11-29T21:00:00Z"],
    ],
    [
      "UTC daily 00:00 for 30m",
      win("UTC", ALL, "00:00", 30),
      "2026-12-01T00:45:00Z",
      null,
      ["2026-12-02T00:00:00Z", "2026-12-02T00:30:00Z"],
    ],
    // Crossing midnight: belongs to the day it opens, even onto an unlisted day
    [
      "Sat 23:00 + 3h is open Sun 01:00 (sun unlisted)",
      win("Europe/Berlin", ["sat"], "23:00", 180),
      "2026-11-29T00:00:00Z",
      ["2026-11-28T22:00:00Z", "2026-11-29T01:00:00Z"],
      ["2026-11-28T22:00:00Z", "2026-11-29T01:00:00Z"],
    ],
    [
      "Fri 23:00 + 3h does not open Sat 23:00 (sat unlisted)",
      win("Europe/Berlin", ["fri"], "23:00", 180),
      "2026-11-28T22:30:00Z",
      null,
      ["2026-12-04T22:00:00Z", "2026-12-05T01:00:00Z"],
    ],
    // Spring forward, Berlin 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z): 02:30 does not exist
    [
      "Berlin gap: 02:30 opens at 03:00 CEST and lasts 60m",
      win("Europe/Berlin", ["sun"], "02:30", 60),
      "2026-03-28T12:00:00Z",
      null,
      ["2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"],
    ],
    [
      "Berlin gap: 02:00 exactly also opens at 03:00",
      win("Europe/Berlin", ["sun"], "02:00", 60),
      "2026-03-28T12:00:00Z",
      null,
      ["2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"],
    ],
    [
      "Berlin crossing the gap: Sat 23:00 + 3h elapsed ends 03:00 CEST",
      win("Europe/Berlin", ["sat"], "23:00", 180),
      "2026-03-29T00:30:00Z",
      ["2026-03-28T22:00:00Z", "2026-03-29T01:00:00Z"],
      ["2026-03-28T22:00:00Z", "2026-03-29T01:00:00Z"],
    ],
    // Autumn back, Berlin 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z): 02:30 happens twice
    [
      "Berlin repeat: 02:30 opens at its first (CEST) occurrence",
      win("Europe/Berlin", ["sun"], "02:30", 60),
      "2026-10-25T00:00:00Z",
      null,
      ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"],
    ],
    [
      "Berlin repeat: the second 02:30 is not a new opening",
      win("Europe/Berlin", ["sun"], "02:30", 30),
      "2026-10-25T01:30:00Z",
      null,
      ["2026-11-01T01:30:00Z", "2026-11-01T02:00:00Z"],
    ],
    // New York: spring 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z); autumn 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z)
    [
      "New York gap: 02:15 opens 03:00 EDT",
      win("America/New_York", ["sun"], "02:15", 45),
      "2026-03-08T00:00:00Z",
      null,
      ["2026-03-08T07:00:00Z", "2026-03-08T07:45:00Z"],
    ],
    [
      "New York repeat: 01:30 opens at 01:30 EDT",
      win("America/New_York", ["sun"], "01:30", 30),
      "2026-11-01T00:00:00Z",
      null,
      ["2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z"],
    ],
    // Sydney: spring 2026-10-04 02:00 AEST -> 03:00 AEDT (16:00Z on the 3rd); autumn 2026-04-05 03:00 AEDT -> 02:00 AEST (16:00Z on the 4th)
    [
      "Sydney gap (October): 02:00 opens 03:00 AEDT",
      win("Australia/Sydney", ["sun"], "02:00", 120),
      "2026-10-03T00:00:00Z",
      null,
      ["2026-10-03T16:00:00Z", "2026-10-03T18:00:00Z"],
    ],
    [
      "Sydney repeat (April): 02:30 opens 02:30 AEDT",
      win("Australia/Sydney", ["sun"], "02:30", 60),
      "2026-04-04T00:00:00Z",
      null,
      ["2026-04-04T15:30:00Z", "2026-04-04T16:30:00Z"],
    ],
    // Auckland: spring 2026-09-27 02:00 NZST -> 03:00 NZDT (14:00Z on the 26th)
    [
      "Auckland gap (September): 02:30 opens 03:00 NZDT",
      win("Pacific/Auckland", ["sun"], "02:30", 60),
      "2026-09-26T00:00:00Z",
      null,
      ["2026-09-26T14:00:00Z", "2026-09-26T15:00:00Z"],
    ],
    // 24 h windows on consecutive days touch: one span, open throughout
    [
      "daily 24h is always open",
      win("UTC", ALL, "00:00", 1440),
      "2026-12-01T12:00:00Z",
      ["2026-11-29T00:00:00Z", "2026-12-10T00:00:00Z"],
      ["2026-11-29T00:00:00Z", "2026-12-10T00:00:00Z"],
    ],
  ];
  it.each(cases)("%s", (_name, window, instant, open, next) => {
    const openSpan = openSpanAt(window, at(instant));
    expect(openSpan === null ? null : [iso(openSpan.opensAt), iso(openSpan.closesAt)]).toEqual(
      open === null ? null : open.map((t) => iso(at(t))),
    );
    const nextOne = nextSpan(window, at(instant));
    expect([iso(nextOne.opensAt), iso(nextOne.closesAt)]).toEqual(next.map((t) => iso(at(t))));
  });
});

describe("installGate: open with at least minMinutes left", () => {
  const cases: Array<
    [
      string,
      MaintenanceWindow,
      string,
      number,
      { open: true; closesAt: string } | { open: false; opensAt: string },
    ]
  > = [
    [
      "open, plenty left",
      berlin,
      "2026-12-01T01:30:00Z",
      15,
      { open: true, closesAt: "2026-12-01T04:00:00Z" },
    ],
    [
      "exactly minMinutes left: open",
      berlin,
      "2026-12-01T03:45:00Z",
      15,
      { open: true, closesAt: "2026-12-01T04:00:00Z" },
    ],
    [
      "one ms less than minMinutes: next opening",
      berlin,
      "2026-12-01T03:45:00.001Z",
      15,
      { open: false, opensAt: "2026-12-02T01:00:00Z" },
    ],
    [
      "Saturday too late: Monday (sun unlisted)",
      berlin,
      "2026-12-05T03:50:00Z",
      15,
      { open: false, opensAt: "2026-12-07T01:00:00Z" },
    ],
    [
      "closed: the next opening",
      berlin,
      "2026-12-01T12:00:00Z",
      15,
      { open: false, opensAt: "2026-12-02T01:00:00Z" },
    ],
    [
      "minMinutes 0: open until the last instant",
      berlin,
      "2026-12-01T03:59:59Z",
      0,
      { open: true, closesAt: "2026-12-01T04:00:00Z" },
    ],
    [
      "window shorter than minMinutes: its whole length is asked",
      win("UTC", ALL, "02:00", 10),
      "2026-12-01T02:00:00Z",
      15,
      { open: true, closesAt: "2026-12-01T02:10:00Z" },
    ],
    [
      "short window already begun: the next one",
      win("UTC", ALL, "02:00", 10),
      "2026-12-01T02:01:00Z",
      15,
      { open: false, opensAt: "2026-12-02T02:00:00Z" },
    ],
    [
      "Kolkata closed: opens 01:00 IST",
      win("Asia/Kolkata", ALL, "01:00", 60),
      "2026-12-01T00:00:00Z",
      15,
      { open: false, opensAt: "2026-12-01T19:30:00Z" },
    ],
  ];
  it.each(cases)("%s", (_name, window, instant, minMinutes, expected) => {
    const gate = installGate(window, at(instant), minMinutes);
    const want = expected.open
      ? { open: true, closesAt: at(expected.closesAt) }
      : { open: false, opensAt: at(expected.opensAt) };
    expect(gate).toEqual(want);
  });
});

describe("windowTimeBetween and windowDeadline: only open time counts", () => {
  it.each([
    ["inside one opening", berlin, "2026-12-01T01:30:00Z", "2026-12-01T02:30:00Z", 1 * HOUR],
    [
      "several openings: Mon 3h + Tue 3h + Wed 1h",
      berlin,
      "2026-11-29T23:00:00Z",
      "2026-12-02T02:00:00Z",
      7 * HOUR,
    ],
    ["a week: six openings", berlin, "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z", 18 * HOUR],
    [
      "across the spring DST night: 3h elapsed",
      win("Europe/Berlin", ["sat"], "23:00", 180),
      "2026-03-28T20:00:00Z",
      "2026-03-29T06:00:00Z",
      3 * HOUR,
    ],
    [
      "across the autumn DST night: 3h elapsed",
      win("Europe/Berlin", ["sat"], "23:00", 180),
      "2026-10-24T20:00:00Z",
      "2026-10-25T06:00:00Z",
      3 * HOUR,
    ],
    ["empty range", berlin, "2026-12-01T02:00:00Z", "2026-12-01T02:00:00Z", 0],
    ["closed range", berlin, "2026-12-01T05:00:00Z", "2026-12-01T23:00:00Z", 0],
  ] as const)("windowTimeBetween %s", (_name, window, from, to, expected) => {
    expect(windowTimeBetween(window, at(from), at(to))).toBe(expected);
  });

  it.each([
    ["inside one opening", berlin, "2026-12-01T01:30:00Z", 1 * HOUR, "2026-12-01T02:30:00Z"],
    [
      "from a closed time: counts from the opening",
      berlin,
      "2026-12-01T12:00:00Z",
      30 * MIN,
      "2026-12-02T01:30:00Z",
    ],
    [
      "across openings: Sat 3h, then Mon 1h",
      berlin,
      "2026-12-04T11:00:00Z",
      4 * HOUR,
      "2026-12-07T02:00:00Z",
    ],
    [
      "exactly a whole opening ends at its close",
      berlin,
      "2026-12-01T01:00:00Z",
      3 * HOUR,
      "2026-12-01T04:00:00Z",
    ],
    [
      "across a DST night: Sun gap opening (60m from 03:00 CEST), then Mon 02:00 CEST",
      win("Europe/Berlin", ALL, "02:00", 60),
      "2026-03-28T12:00:00Z",
      90 * MIN,
      "2026-03-30T00:30:00Z",
    ],
    ["zero budget: now", berlin, "2026-12-01T12:00:00Z", 0, "2026-12-01T12:00:00Z"],
  ] as const)("windowDeadline %s", (_name, window, from, budget, expected) => {
    const deadline = windowDeadline(window, at(from), budget);
    expect(iso(deadline)).toBe(iso(at(expected)));
    expect(windowTimeBetween(window, at(from), deadline)).toBe(budget);
  });
});

describe("describeOpening", () => {
  it.each([
    [
      "later today",
      berlin,
      "2026-12-01T01:00:00Z",
      "2026-11-30T23:30:00Z",
      "opens 02:00 Europe/Berlin",
    ],
    [
      "tomorrow: with the weekday",
      berlin,
      "2026-12-05T01:00:00Z",
      "2026-12-04T04:00:00Z",
      "opens Sat 02:00 Europe/Berlin",
    ],
    [
      "the gap night shows the real local time",
      win("Europe/Berlin", ["sun"], "02:30", 60),
      "2026-03-29T01:00:00Z",
      "2026-03-28T12:00:00Z",
      "opens Sun 03:00 Europe/Berlin",
    ],
    [
      "a week away: with the date",
      win("Europe/Berlin", ["sat"], "02:00", 60),
      "2026-12-12T01:00:00Z",
      "2026-12-05T03:00:00Z",
      "opens Sat 2026-12-12 02:00 Europe/Berlin",
    ],
    [
      "today is the store's local day (Kolkata)",
      win("Asia/Kolkata", ALL, "01:00", 60),
      "2026-12-01T19:30:00Z",
      "2026-12-01T19:00:00Z",
      "opens 01:00 Asia/Kolkata",
    ],
  ] as const)("%s", (_name, window, opensAt, now, expected) => {
    expect(describeOpening(window, at(opensAt), at(now))).toBe(expected);
    expect(windowWaitReason(window, at(opensAt), at(now))).toBe(
      `${WINDOW_WAIT_REASON_PREFIX} (${expected})`,
    );
  });
});

describe("parseDays / formatDays", () => {
  it.each([
    ["mon-sat", MON_SAT, "mon-sat"],
    ["mon,wed,fri", ["mon", "wed", "fri"], "mon,wed,fri"],
    ["sat-mon", ["mon", "sat", "sun"], "sat-mon"],
    ["mon-fri,sun", ["mon", "tue", "wed", "thu", "fri", "sun"], "sun-fri"],
    ["mon-sun", ALL, "mon-sun"],
    ["sun", ["sun"], "sun"],
    [" Mon - Wed , FRI ", ["mon", "tue", "wed", "fri"], "mon-wed,fri"],
    ["sat,sun", ["sat", "sun"], "sat,sun"],
    ["mon-tue,thu-sat", ["mon", "tue", "thu", "fri", "sat"], "mon,tue,thu-sat"],
    ["fri-mon,wed", ["mon", "wed", "fri", "sat", "sun"], "wed,fri-mon"],
    ["mon-fri,wed", ["mon", "tue", "wed", "thu", "fri"], "mon-fri"],
  ] as const)("%s", (text, days, formatted) => {
    expect(parseDays(text)).toEqual({ ok: true, value: days });
    expect(formatDays(days)).toBe(formatted);
    expect(parseDays(formatted)).toEqual({ ok: true, value: days });
  });

  it.each([
    ["", /no days given/],
    ["mon,,fri", /empty part/],
    ["mon-xyz", /^"xyz" is not a day \(mon, tue/],
    ["monday", /^"monday" is not a day/],
    ["mon-wed-fri", /^"mon-wed-fri" is not a day or a range/],
  ])("refuses %j naming the bad part", (text, error) => {
    const parsed = parseDays(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });
});
