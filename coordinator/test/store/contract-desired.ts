// The store contract for desired state and seqs; run by describeStoreConformance (conformance.ts).

import { describe, expect, it } from "vitest";
import type { StoreContext } from "./conformance-context.js";
import { entry, record, ref } from "./conformance-fixtures.js";

export function desiredContract(t: () => StoreContext): void {
  describe("desired", () => {
    it("setFields (issue 13) keeps document-level fields live and durably, with a seq; not enrolled: nothing", async () => {
      await t().store.workstations.enrol([record("1001", "01")]);
      const release = { sessionSeq: 42, by: "ada", at: "2026-11-30T10:00:00.000Z" };
      const before = await t().store.desired.reserveSeqs(1);
      const seq = await t().store.desired.setFields(ref("1001", "01"), { sessionRelease: release });
      expect(seq).toBeGreaterThan(before);
      // Live at once: the publisher reads it right after (a regression: it was only on disk).
      expect(await t().store.desired.fieldsOf(ref("1001", "01"))).toEqual({
        sessionRelease: release,
      });
      await t().reopen();
      expect(await t().store.desired.fieldsOf(ref("1001", "01"))).toEqual({
        sessionRelease: release,
      });
      expect((await t().store.desired.all()).map((d) => d.ref)).toEqual([ref("1001", "01")]);
      expect(
        await t().store.desired.setFields(ref("1001", "99"), { sessionRelease: release }),
      ).toBe(undefined);
      expect(await t().store.desired.fieldsOf(ref("1001", "99"))).toEqual({});
    });

    it("applyChange writes the entries and reserves the seqs, durably; seqs only go up", async () => {
      await t().store.workstations.enrol([record("1001", "01"), record("1001", "02")]);
      const first = await t().store.desired.applyChange({
        entries: [
          { ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") },
          { ref: ref("1001", "02"), function: "pos-client", entry: entry("1.1.0") },
        ],
        documents: 2,
      });
      expect(first.applied).toBe(2);
      await t().reopen();
      expect(await t().store.desired.servicesOf(ref("1001", "01"))).toEqual({
        "pos-client": entry("1.1.0"),
      });
      expect((await t().store.desired.all()).map((d) => d.ref)).toEqual(
        expect.arrayContaining([ref("1001", "01"), ref("1001", "02")]),
      );
      const next = await t().store.desired.reserveSeqs(3);
      expect(next).toBeGreaterThan(first.firstSeq + 1);
      const after = await t().store.desired.reserveSeqs(1);
      expect(after).toBeGreaterThan(next + 2);
    });

    it("servicesOfMany reads many workstations at once: each asked for is there, {} when it has none", async () => {
      await t().store.workstations.enrol([record("1001", "01"), record("1001", "02")]);
      await t().store.desired.applyChange({
        entries: [
          { ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") },
          { ref: ref("1001", "01"), function: "kiosk", entry: entry("2.0.0") },
        ],
        documents: 1,
      });
      const many = await t().store.desired.servicesOfMany([
        ref("1001", "01"),
        ref("1001", "02"),
        ref("1001", "01"),
        ref("1001", "99"),
      ]);
      expect([...many.keys()].sort()).toEqual(["1001/01", "1001/02", "1001/99"]);
      expect(many.get("1001/01")).toEqual(await t().store.desired.servicesOf(ref("1001", "01")));
      expect(many.get("1001/01")).toEqual({
        kiosk: entry("2.0.0"),
        "pos-client": entry("1.1.0"),
      });
      expect(many.get("1001/02")).toEqual({});
      expect(many.get("1001/99")).toEqual({});
      expect((await t().store.desired.servicesOfMany([])).size).toBe(0);
    });

    it("the operator's maintenance switch (a document-level field) is live at once and durable (issue 13)", async () => {
      await t().store.workstations.enrol([record("1001", "01")]);
      const before = await t().store.desired.reserveSeqs(1);
      const on = { active: true, functions: [], reason: "stock-taking", by: "ada" };
      const seq = await t().store.desired.setFields(ref("1001", "01"), { maintenance: on });
      expect(seq).toBeGreaterThan(before);
      // Live before any reopen: the publisher reads it right after the change.
      expect((await t().store.desired.fieldsOf(ref("1001", "01"))).maintenance).toEqual(on);
      await t().reopen();
      expect((await t().store.desired.fieldsOf(ref("1001", "01"))).maintenance).toEqual(on);
      await t().store.desired.setFields(ref("1001", "01"), { maintenance: null });
      expect((await t().store.desired.fieldsOf(ref("1001", "01"))).maintenance ?? null).toBeNull();
    });

    it("an entry of a workstation not enrolled is left out; the others land", async () => {
      await t().store.workstations.enrol([record("1001", "01")]);
      const result = await t().store.desired.applyChange({
        entries: [
          { ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") },
          { ref: ref("1001", "99"), function: "pos-client", entry: entry("1.1.0") },
        ],
        documents: 1,
      });
      expect(result.applied).toBe(1);
      expect(await t().store.desired.all()).toEqual([
        { ref: ref("1001", "01"), services: { "pos-client": entry("1.1.0") } },
      ]);
    });

    it("the same change twice leaves the same entries (new seqs); other functions are kept", async () => {
      await t().store.workstations.enrol([record("1001", "01")]);
      const change = {
        entries: [{ ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") }],
        documents: 1,
      };
      await t().store.desired.applyChange({
        entries: [{ ref: ref("1001", "01"), function: "scale", entry: entry("2.0.0") }],
        documents: 1,
      });
      const a = await t().store.desired.applyChange(change);
      const b = await t().store.desired.applyChange(change);
      expect(b.firstSeq).toBeGreaterThan(a.firstSeq);
      expect(await t().store.desired.servicesOf(ref("1001", "01"))).toEqual({
        "pos-client": entry("1.1.0"),
        scale: entry("2.0.0"),
      });
    });

    it("two changes at once both land, with seq ranges that do not overlap", async () => {
      await t().store.workstations.enrol([record("1001", "01"), record("1001", "02")]);
      const [a, b] = await Promise.all([
        t().store.desired.applyChange({
          entries: [{ ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") }],
          documents: 5,
        }),
        t().store.desired.applyChange({
          entries: [{ ref: ref("1001", "02"), function: "pos-client", entry: entry("1.2.0") }],
          documents: 5,
        }),
      ]);
      const [low, high] = a.firstSeq < b.firstSeq ? [a, b] : [b, a];
      expect(high.firstSeq).toBeGreaterThanOrEqual(low.firstSeq + 5);
      await t().reopen();
      expect(await t().store.desired.servicesOf(ref("1001", "01"))).toEqual({
        "pos-client": entry("1.1.0"),
      });
      expect(await t().store.desired.servicesOf(ref("1001", "02"))).toEqual({
        "pos-client": entry("1.2.0"),
      });
    });

    it("a failed write changes nothing, and no seq is handed out twice", async (ctx) => {
      await t().store.workstations.enrol([record("1001", "01")]);
      const before = await t().store.desired.reserveSeqs(1);
      await t().whileFailing(ctx, async () => {
        await expect(
          t().store.desired.applyChange({
            entries: [{ ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") }],
            documents: 1,
          }),
        ).rejects.toThrow();
        expect(await t().store.desired.servicesOf(ref("1001", "01"))).toEqual({});
      });
      expect(await t().store.desired.reserveSeqs(1)).toBeGreaterThan(before);
      await t().reopen();
      expect(await t().store.desired.all()).toEqual([]);
    });
  });
}
