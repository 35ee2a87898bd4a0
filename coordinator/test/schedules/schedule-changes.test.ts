import { describe, expect, it } from "vitest";
import {
  withNewBlackout,
  withoutBlackout,
  withoutNotices,
  withoutWindow,
  withStoreSetting,
  withWindow,
} from "../../src/schedules/schedule-changes.js";
import type { Blackout } from "../../src/schedules/schedule-model.js";
import { EMPTY_SCHEDULES, type OwedNotice } from "../../src/schedules/schedule-state.js";
import { DE_WINDOW_SETTING } from "./schedule-fixtures.js";

// The pure changes both ScheduleStores (JSON, PostgreSQL) run inside their own write.

const blackout = (id: string): Blackout => ({
  id,
  from: "2026-12-20T00:00:00.000Z",
  to: "2026-12-27T00:00:00.000Z",
  reason: "freeze",
  group: null,
  createdBy: "admin",
  createdAt: "2026-11-30T09:00:00.000Z",
});
const STORE_1001 = {
  store: "1001",
  tz: null,
  contact: null,
  setBy: "admin",
  setAt: "2026-11-30T09:00:00.000Z",
};
const owed = (b: Blackout): OwedNotice => ({
  key: `blackout-${b.id}`,
  notice: { event: "blackout.announced", blackout: b } as unknown as OwedNotice["notice"],
});

describe("schedule changes", () => {
  it("sets a window once per subject and removes it; removing none is null", () => {
    const once = withWindow(withWindow(EMPTY_SCHEDULES, DE_WINDOW_SETTING), DE_WINDOW_SETTING);
    expect(once.windows).toEqual([DE_WINDOW_SETTING]);
    expect(withoutWindow(once, DE_WINDOW_SETTING.subject)).toEqual({
      next: { ...once, windows: [] },
      removed: DE_WINDOW_SETTING,
    });
    expect(withoutWindow(EMPTY_SCHEDULES, { kind: "store", store: "1001" })).toBeNull();
    expect(EMPTY_SCHEDULES.windows).toEqual([]);
  });

  it("an empty store setting removes the store's entry", () => {
    const set = withStoreSetting(EMPTY_SCHEDULES, { ...STORE_1001, tz: "Europe/Berlin" });
    expect(set.stores).toHaveLength(1);
    expect(withStoreSetting(set, STORE_1001).stores).toEqual([]);
  });

  it("adds a blackout under the next id with its owed notice, and removes it owing another", () => {
    const { next, blackout: made } = withNewBlackout(EMPTY_SCHEDULES, blackout, owed);
    expect(made.id).toBe("1");
    expect(next.nextBlackoutId).toBe(2);
    expect(next.noticesPending?.map((o) => o.key)).toEqual(["blackout-1"]);
    expect(() => withNewBlackout(next, () => blackout("9"))).toThrow(
      "blackout made for id 2 has id 9",
    );
    const removed = withoutBlackout(next, "1", owed);
    expect(removed?.removed).toEqual(made);
    expect(removed?.next.blackouts).toEqual([]);
    expect(removed?.next.noticesPending).toHaveLength(1);
    expect(withoutBlackout(next, "7")).toBeNull();
  });

  it("clears owed notices by key; none owed is null", () => {
    const { next } = withNewBlackout(EMPTY_SCHEDULES, blackout, owed);
    expect(withoutNotices(next, ["other"])).toBeNull();
    expect(withoutNotices(next, ["blackout-1"])).not.toHaveProperty("noticesPending");
  });
});
