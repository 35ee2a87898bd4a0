// Which blackouts hold which rows: platform ones cover every row, group ones their subgroups;
// periods are half open; overlap of a period. Table tests of the pure checks.

import { describe, expect, it } from "vitest";
import {
  blackoutCoversGroup,
  blackoutsAt,
  blackoutsOverlapping,
  describeBlackout,
  upcomingBlackouts,
} from "../../src/schedules/blackout-cover.js";
import type { Blackout } from "../../src/schedules/schedule-model.js";

const blackout = (id: string, group: string | null, from: string, to: string): Blackout => ({
  id,
  from,
  to,
  reason: `reason ${id}`,
  group,
  createdBy: "admin",
  createdAt: "2026-11-01T00:00:00.000Z",
});

const CHRISTMAS = blackout("1", null, "2026-12-20T00:00:00.000Z", "2026-12-27T00:00:00.000Z");
const DE_NORTH = blackout("2", "DE/North", "2026-12-01T00:00:00.000Z", "2026-12-02T00:00:00.000Z");
const AT = blackout("3", "AT", "2026-12-01T12:00:00.000Z", "2026-12-01T18:00:00.000Z");
const ALL = [CHRISTMAS, AT, DE_NORTH];
const ms = (iso: string) => Date.parse(iso);

describe("blackouts covering a row", () => {
  it.each([
    [CHRISTMAS, "DE", true],
    [CHRISTMAS, null, true],
    [DE_NORTH, "DE/North", true],
    [DE_NORTH, "DE/North/Hamburg", true],
    [DE_NORTH, "DE", false],
    [DE_NORTH, "DE/Northwest", false],
    [DE_NORTH, null, false],
  ] as const)("%o covers group %s: %s", (b, group, covers) => {
    expect(blackoutCoversGroup(b, group)).toBe(covers);
  });

  it.each([
    ["inside the platform blackout", "AT", "2026-12-24T02:00:00Z", ["1"]],
    ["at its first instant", "AT", "2026-12-20T00:00:00Z", ["1"]],
    ["not at its end (half open)", "AT", "2026-12-27T00:00:00Z", []],
    ["a subgroup inside a group blackout", "DE/North/Hamburg", "2026-12-01T13:00:00Z", ["2"]],
    ["another group's blackout does not hold", "DE/South", "2026-12-01T13:00:00Z", []],
    ["AT at 13:00 on Dec 1", "AT/Vienna", "2026-12-01T13:00:00Z", ["3"]],
    ["a row without a group: only platform ones", null, "2026-12-01T13:00:00Z", []],
  ])("at an instant: %s", (_what, group, at, ids) => {
    expect(blackoutsAt(ALL, group, ms(at)).map((b) => b.id)).toEqual(ids);
  });

  it.each([
    [
      "a period reaching into both",
      "DE/North",
      "2026-12-01T23:00:00Z",
      "2026-12-21T00:00:00Z",
      ["2", "1"],
    ],
    [
      "a period ending where one starts does not overlap",
      "AT",
      "2026-12-01T00:00:00Z",
      "2026-12-01T12:00:00Z",
      [],
    ],
    [
      "a period starting where one ends does not overlap",
      "AT",
      "2026-12-01T18:00:00Z",
      "2026-12-19T00:00:00Z",
      [],
    ],
    ["a period around one", "AT", "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z", ["3"]],
    [
      "an instant (from == to) counts as at",
      "AT",
      "2026-12-01T12:00:00Z",
      "2026-12-01T12:00:00Z",
      ["3"],
    ],
  ])("overlapping a period: %s", (_what, group, from, to, ids) => {
    expect(blackoutsOverlapping(ALL, group, ms(from), ms(to)).map((b) => b.id)).toEqual(ids);
  });

  it("upcoming: those not yet over, earliest first", () => {
    expect(upcomingBlackouts(ALL, ms("2026-12-01T15:00:00Z")).map((b) => b.id)).toEqual([
      "2",
      "3",
      "1",
    ]);
    expect(upcomingBlackouts(ALL, ms("2026-12-01T18:00:00Z")).map((b) => b.id)).toEqual(["2", "1"]);
    expect(upcomingBlackouts(ALL, ms("2026-12-27T00:00:00Z"))).toEqual([]);
  });

  it("refusals name a blackout with its reason and period", () => {
    expect(describeBlackout({ ...CHRISTMAS, reason: "Christmas freeze" })).toBe(
      "blackout 1 (Christmas freeze, 2026-12-20T00:00:00Z to 2026-12-27T00:00:00Z)",
    );
  });
});
