// The store contract for the synchronous reads (the memory mirrors every implementation
// loads at open and writes through): workstations' peek/count/storeGroups, the fleet table,
// pack downloads. Run by describeStoreConformance (conformance.ts).

import { describe, expect, it } from "vitest";
import type { StoreContext } from "./conformance-context.js";
import { record, ref, row } from "./conformance-fixtures.js";

export function mirrorContract(t: () => StoreContext): void {
  describe("memory mirrors (sync reads)", () => {
    it("peek, count and storeGroups follow enrol, rekey and remove, and a reopen", async () => {
      const ws = () => t().store.workstations;
      expect(ws().count()).toBe(0);
      expect(ws().peek(ref("1001", "01"))).toBeUndefined();
      expect(ws().storeGroups().size).toBe(0);
      await ws().enrol([record("1001", "01", "DE/North"), record("1001", "02", "DE/North")]);
      await ws().enrol([record("2002", "01")]);
      expect(ws().count()).toBe(3);
      expect(ws().peek(ref("1001", "02"))).toEqual(record("1001", "02", "DE/North"));
      expect(new Map(ws().storeGroups())).toEqual(
        new Map([
          ["1001", "DE/North"],
          ["2002", null],
        ]),
      );
      await ws().rekey(ref("1001", "01"), { agentSecretHash: "a2", posSecretHash: "p2" });
      expect(ws().peek(ref("1001", "01"))?.agentSecretHash).toBe("a2");
      await ws().remove(ref("2002", "01"));
      expect(ws().peek(ref("2002", "01"))).toBeUndefined();
      expect(ws().count()).toBe(2);
      expect([...ws().storeGroups().keys()]).toEqual(["1001"]);
      await t().reopen();
      expect(ws().count()).toBe(2);
      expect(ws().peek(ref("1001", "01"))?.agentSecretHash).toBe("a2");
      expect(ws().storeGroups().get("1001")).toBe("DE/North");
    });

    it("the fleet table shows a recorded status at once, writes and removals, and a reopen", async () => {
      const fleet = () => t().store.fleet;
      await t().store.workstations.enrol([record("1001", "01"), record("1001", "02")]);
      expect(fleet().table.all()).toEqual([]);
      // Not awaited: a status report shows in the table before its write resolves.
      const recording = fleet().recordStatus({
        ref: ref("1001", "01"),
        seq: 1,
        rows: [row("1001", "01")],
      });
      expect(fleet().table.get("1001/01/pos-client")?.activeVersion).toBe("1.0.0");
      await recording;
      await fleet().upsertRows([
        row("1001", "02", "pos-client", { status: "Failed", reason: "install failed" }),
      ]);
      expect(fleet().table.get("1001/02/pos-client")?.status).toBe("Failed");
      expect(fleet().table.rowsOfWorkstation("1001", "01")).toHaveLength(1);
      await fleet().flush();
      await t().reopen();
      expect(
        fleet()
          .table.all()
          .map((r) => `${r.store}/${r.workstation}/${r.status}`)
          .sort(),
      ).toEqual(["1001/01/OK", "1001/02/Failed"]);
      await fleet().removeRowsOf(ref("1001", "02"));
      expect(fleet().table.get("1001/02/pos-client")).toBeUndefined();
      await t().reopen();
      expect(fleet().table.all()).toHaveLength(1);
    });

    it("pack downloads find a published pack's bytes by hash; maxBytes bounds uploads", async () => {
      const packs = () => t().store.packs;
      expect(packs().maxBytes).toBeGreaterThan(0);
      const published = await packs().publish(await t().harness.buildPack("pos-client", "1.1.0"));
      if (!published.ok) throw new Error(published.error);
      const sha = published.value.sha256;
      expect(packs().downloads.bySha256(sha)?.version).toBe("1.1.0");
      expect(packs().downloads.filePath(sha)).toEqual(expect.any(String));
      expect(packs().downloads.bySha256("0".repeat(64))).toBeUndefined();
      await t().reopen();
      expect(packs().downloads.bySha256(sha)?.version).toBe("1.1.0");
    });
  });
}
