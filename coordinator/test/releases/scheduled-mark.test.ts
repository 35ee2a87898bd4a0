import { describe, expect, it } from "vitest";
import type { ServiceRow } from "../../src/fleet/service-row.js";
import type { ReleaseRecord } from "../../src/releases/release-model.js";
import { scheduledMarker } from "../../src/releases/scheduled-mark.js";
import { makeRow } from "../fleet/fixtures.js";
import { release } from "./release-fixtures.js";

/** The status overview's `scheduled` field: which task holds or will take a row, and when. */

const row = (store: string, more: Partial<ServiceRow> = {}): ServiceRow =>
  makeRow({ store, group: "DE", updatedAt: "2026-11-30T08:00:00.000Z", ...more });

const at = (id: string, when: string, target: Record<string, unknown> = {}): ReleaseRecord =>
  release({ schedule: { mode: "at", at: when }, target }, id);
const running = (id: string, schedule: unknown = null): ReleaseRecord => ({
  ...release({ schedule }, id),
  state: "Running",
});
const OPENS = Date.parse("2026-12-01T01:00:00.000Z");

describe("scheduledMarker", () => {
  const releases = [
    at("4", "2026-12-02T02:00:00+01:00"),
    at("3", "2026-12-01T02:00:00+01:00", { store: ["1001"] }),
    { ...at("9", "2026-12-01T00:00:00Z"), state: "Cancelled" as const },
    running("5"),
    running("6", { mode: "window" }),
    { ...running("7"), state: "Successful" as const },
  ];
  const holders: Record<string, string> = {
    "2001/01/pos-client": "5",
    "2002/01/pos-client": "6",
    "2003/01/pos-client": "7",
  };
  const mark = scheduledMarker({
    releases,
    holding: (key) => (holders[key] === undefined ? undefined : { id: holders[key] as string }),
    nextOpening: (r) => (r.store === "2002" ? OPENS : null),
  });

  it.each([
    [
      "the earliest Scheduled task whose target matches",
      row("1001"),
      { release: "3", at: "2026-12-01T01:00:00.000Z" },
    ],
    [
      "a later one when the earlier does not match",
      row("1002"),
      { release: "4", at: "2026-12-02T01:00:00.000Z" },
    ],
    [
      "an active task holding it, not yet OK on its version: at null",
      row("2001"),
      { release: "5", at: null },
    ],
    [
      "window mode: the row's next window opening",
      row("2002"),
      { release: "6", at: "2026-12-01T01:00:00.000Z" },
    ],
    ["an ended holder does not count: the next Scheduled one", row("2003"), { release: "4" }],
    [
      "OK on the holder's version: the next Scheduled one",
      row("2001", { activeVersion: "1.1.0" }),
      { release: "4" },
    ],
    ["another function: none", row("1001", { function: "scale" }), null],
  ])("%s", (_name, given, expected) => {
    const got = mark(given);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toMatchObject({ name: "spring", ...expected });
  });
});
