// The store contract for schedules (issue 11); run by describeStoreConformance (conformance.ts).

import { describe, expect, it } from "vitest";
import type { Blackout, WindowSetting } from "../../src/schedules/schedule-model.js";
import { EMPTY_SCHEDULES } from "../../src/schedules/schedule-state.js";
import { DE_WINDOW_SETTING } from "../schedules/schedule-fixtures.js";
import type { StoreContext } from "./conformance-context.js";

const AT = "2026-11-30T09:00:00.000Z";
const DE: WindowSetting = DE_WINDOW_SETTING;
const STORE_1001: WindowSetting = {
  subject: { kind: "store", store: "1001" },
  window: { tz: "Europe/Lisbon", days: ["sun"], start: "23:00", durationMinutes: 120 },
  setBy: "anna",
  setAt: AT,
};
const blackout = (id: string, reason = "Christmas freeze"): Blackout => ({
  id,
  from: "2026-12-20T00:00:00.000Z",
  to: "2026-12-27T00:00:00.000Z",
  reason,
  group: id === "2" ? "DE/North" : null,
  createdBy: "admin",
  createdAt: AT,
});

export function scheduleContract(t: () => StoreContext): void {
  describe("schedules", () => {
    it("starts empty; windows set, replaced and removed durably", async () => {
      expect(await t().store.schedules.read()).toEqual(EMPTY_SCHEDULES);
      await t().store.schedules.setWindow(DE);
      await t().store.schedules.setWindow(STORE_1001);
      const later = { ...DE, window: { ...DE.window, start: "03:00" }, setBy: "bea" };
      const state = await t().store.schedules.setWindow(later);
      expect(state.windows).toEqual([STORE_1001, later]);
      await t().reopen();
      expect((await t().store.schedules.read()).windows).toEqual([STORE_1001, later]);
      const removed = await t().store.schedules.removeWindow({ kind: "store", store: "1001" });
      expect(removed.removed).toEqual(STORE_1001);
      expect(removed.state.windows).toEqual([later]);
      const none = await t().store.schedules.removeWindow({ kind: "group", group: "AT" });
      expect(none.removed).toBeNull();
      await t().reopen();
      expect((await t().store.schedules.read()).windows).toEqual([later]);
    });

    it("store settings: set, replaced; neither zone nor contact removes the entry", async () => {
      const setting = {
        store: "1001",
        tz: "Europe/Lisbon",
        contact: "shop@example.com",
        setBy: "admin",
        setAt: AT,
      };
      await t().store.schedules.setStore(setting);
      await t().reopen();
      expect((await t().store.schedules.read()).stores).toEqual([setting]);
      await t().store.schedules.setStore({ ...setting, tz: null, contact: null });
      await t().reopen();
      expect((await t().store.schedules.read()).stores).toEqual([]);
    });

    it("blackout ids 1, 2, … are never handed out twice, even after a removal and a restart", async () => {
      const first = await t().store.schedules.addBlackout((id) => blackout(id));
      const second = await t().store.schedules.addBlackout((id) => blackout(id, "north inventory"));
      expect([first.blackout.id, second.blackout.id]).toEqual(["1", "2"]);
      const removed = await t().store.schedules.removeBlackout("2");
      expect(removed.removed).toEqual(blackout("2", "north inventory"));
      expect((await t().store.schedules.removeBlackout("2")).removed).toBeNull();
      await t().reopen();
      expect((await t().store.schedules.read()).blackouts).toEqual([blackout("1")]);
      expect((await t().store.schedules.addBlackout((id) => blackout(id))).blackout.id).toBe("3");
    });

    it("a notice owed by a blackout change is stored in the same write, kept until cleared", async () => {
      const owe = (event: "blackout.announced" | "blackout.removed") => (b: Blackout) => ({
        key: `blackout${b.id}-${event === "blackout.announced" ? "announced" : "removed"}`,
        notice: {
          event,
          blackout: { id: b.id, from: b.from, to: b.to, reason: b.reason, group: b.group },
          by: "admin",
        },
      });
      const added = await t().store.schedules.addBlackout(
        (id) => blackout(id),
        owe("blackout.announced"),
      );
      expect(added.state.noticesPending?.map((o) => o.key)).toEqual(["blackout1-announced"]);
      await t().reopen();
      const owed = (await t().store.schedules.read()).noticesPending;
      expect(owed).toEqual([
        {
          key: "blackout1-announced",
          notice: {
            event: "blackout.announced",
            blackout: {
              id: "1",
              from: blackout("1").from,
              to: blackout("1").to,
              reason: "Christmas freeze",
              group: null,
            },
            by: "admin",
          },
        },
      ]);
      const removed = await t().store.schedules.removeBlackout("1", owe("blackout.removed"));
      expect(removed.state.blackouts).toEqual([]);
      expect(removed.state.noticesPending?.map((o) => o.key)).toEqual([
        "blackout1-announced",
        "blackout1-removed",
      ]);
      // An unknown id removes nothing and owes nothing.
      const none = await t().store.schedules.removeBlackout("9", owe("blackout.removed"));
      expect(none.state.noticesPending).toHaveLength(2);
      // Cleared by key; a key not owed writes nothing; the last one cleared leaves none.
      const left = await t().store.schedules.clearNotices(["blackout1-announced", "nope"]);
      expect(left.noticesPending?.map((o) => o.key)).toEqual(["blackout1-removed"]);
      await t().reopen();
      expect((await t().store.schedules.clearNotices(["nope"])).noticesPending).toHaveLength(1);
      const empty = await t().store.schedules.clearNotices(["blackout1-removed"]);
      expect(empty.noticesPending ?? []).toEqual([]);
      await t().reopen();
      expect((await t().store.schedules.read()).noticesPending ?? []).toEqual([]);
    });

    it("states handed out are copies", async () => {
      await t().store.schedules.setWindow(DE);
      const read = await t().store.schedules.read();
      (read.windows as WindowSetting[]).length = 0;
      expect((await t().store.schedules.read()).windows).toEqual([DE]);
    });

    it("a failed change rejects and changes nothing; the next one works", async (ctx) => {
      await t().store.schedules.setWindow(DE);
      await t().whileFailing(ctx, async () => {
        const big = { ...STORE_1001, setBy: "x".repeat(64 * 1024) };
        await expect(t().store.schedules.setWindow(big)).rejects.toThrow(
          /schedules were not changed/,
        );
        await expect(
          t().store.schedules.addBlackout((id) => ({
            ...blackout(id),
            reason: "y".repeat(64 * 1024),
          })),
        ).rejects.toThrow();
        expect((await t().store.schedules.read()).windows).toEqual([DE]);
      });
      expect((await t().store.schedules.addBlackout((id) => blackout(id))).blackout.id).toBe("1");
      await t().reopen();
      expect(await t().store.schedules.read()).toMatchObject({ windows: [DE], nextBlackoutId: 2 });
    });
  });
}
