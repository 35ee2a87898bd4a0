// The store contract for fleet rows; run by describeStoreConformance (conformance.ts).

import { describe, expect, it } from "vitest";
import type { StoreContext } from "./conformance-context.js";
import { ref, row } from "./conformance-fixtures.js";

export function fleetContract(t: () => StoreContext): void {
  describe("fleet rows", () => {
    it("recordStatus shows at once, with its seq; durable after close", async () => {
      await t().store.fleet.recordStatus({
        ref: ref("1001", "01"),
        seq: 3,
        rows: [row("1001", "01"), row("1001", "01", "scale")],
      });
      expect(await t().store.fleet.lastStatusSeq(ref("1001", "01"))).toBe(3);
      expect(
        (await t().store.fleet.rowsOf(ref("1001", "01"))).map((r) => r.function).sort(),
      ).toEqual(["pos-client", "scale"]);
      await t().store.fleet.recordStatus({
        ref: ref("1001", "01"),
        seq: 4,
        rows: [row("1001", "01", "scale", { activeVersion: "2.0.0" })],
      });
      await t().reopen();
      expect(await t().store.fleet.lastStatusSeq(ref("1001", "01"))).toBe(4);
      expect((await t().store.fleet.get("1001/01/scale"))?.activeVersion).toBe("2.0.0");
      expect(await t().store.fleet.rowsOf(ref("1001", "01"))).toHaveLength(2);
    });

    it("upsertRows is durable; query filters; rows handed out are copies", async () => {
      await t().store.fleet.upsertRows([
        row("1001", "01", "pos-client", { group: "DE/North" }),
        row("1001", "02", "pos-client", {
          status: "Failed",
          reason: "update failed",
          group: "DE/South",
        }),
        row("2002", "01", "scale", { group: "AT" }),
      ]);
      await t().reopen();
      expect(
        (await t().store.fleet.query({ group: ["DE"] })).map((r) => r.workstation).sort(),
      ).toEqual(["01", "02"]);
      expect(
        (await t().store.fleet.query({ status: ["Failed"] })).map((r) => r.workstation),
      ).toEqual(["02"]);
      expect(await t().store.fleet.query({ function: ["scale"], store: ["1001"] })).toEqual([]);
      const got = await t().store.fleet.get("2002/01/scale");
      // A caller changing what it was handed changes nothing in the t().store.
      if (got !== undefined) (got as { status: string }).status = "Failed";
      expect((await t().store.fleet.get("2002/01/scale"))?.status).toBe("OK");
      const many = await t().store.fleet.getMany(["2002/01/scale", "9999/01/scale"]);
      expect([...many.keys()]).toEqual(["2002/01/scale"]);
      const copy = many.get("2002/01/scale") as { status: string };
      copy.status = "Failed";
      expect((await t().store.fleet.getMany(["2002/01/scale"])).get("2002/01/scale")?.status).toBe(
        "OK",
      );
    });

    it("a batch with a row the schema refuses rejects and changes nothing", async () => {
      await t().store.fleet.upsertRows([row("1001", "01")]);
      const bad = row("1001", "02", "pos-client", { status: "Failed", reason: null });
      await expect(
        t().store.fleet.upsertRows([
          row("1001", "01", "pos-client", { activeVersion: "1.1.0" }),
          bad,
        ]),
      ).rejects.toThrow(/reason/);
      expect((await t().store.fleet.get("1001/01/pos-client"))?.activeVersion).toBe("1.0.0");
      expect(await t().store.fleet.get("1001/02/pos-client")).toBeUndefined();
      await t().reopen();
      expect(await t().store.fleet.query({})).toHaveLength(1);
    });

    it("removeRowsOf removes a workstation's rows durably; again: none", async () => {
      await t().store.fleet.upsertRows([
        row("1001", "01"),
        row("1001", "01", "scale"),
        row("1001", "02"),
      ]);
      expect((await t().store.fleet.removeRowsOf(ref("1001", "01"))).sort()).toEqual([
        "1001/01/pos-client",
        "1001/01/scale",
      ]);
      expect(await t().store.fleet.removeRowsOf(ref("1001", "01"))).toEqual([]);
      await t().reopen();
      expect((await t().store.fleet.query({})).map((r) => r.workstation)).toEqual(["02"]);
    });

    it("two changes at once both land", async () => {
      await Promise.all([
        t().store.fleet.upsertRows([row("1001", "01")]),
        t().store.fleet.upsertRows([row("1001", "02")]),
        t().store.fleet.recordStatus({ ref: ref("1001", "03"), seq: 1, rows: [row("1001", "03")] }),
      ]);
      await t().reopen();
      expect((await t().store.fleet.query({})).map((r) => r.workstation).sort()).toEqual([
        "01",
        "02",
        "03",
      ]);
    });

    it("a failed upsert rejects; once writes work again the next one is durable", async (ctx) => {
      await t().store.fleet.upsertRows([row("1001", "01")]);
      await t().whileFailing(ctx, async () => {
        const many = Array.from({ length: 300 }, (_, i) => row(String(2000 + i), "01"));
        await expect(t().store.fleet.upsertRows(many)).rejects.toThrow();
      });
      await t().store.fleet.upsertRows([row("1001", "02")]);
      await t().reopen();
      expect(await t().store.fleet.get("1001/01/pos-client")).toBeDefined();
      expect(await t().store.fleet.get("1001/02/pos-client")).toBeDefined();
    });
  });
}
