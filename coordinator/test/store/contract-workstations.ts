// The store contract for enrolled workstations; run by describeStoreConformance (conformance.ts).

import { describe, expect, it } from "vitest";
import type { StoreContext } from "./conformance-context.js";
import { entry, record, ref, row } from "./conformance-fixtures.js";

export function workstationContract(t: () => StoreContext): void {
  describe("workstations", () => {
    it("enrol is durable; list is by store then workstation; get hands out copies", async () => {
      const outcome = await t().store.workstations.enrol([
        record("2002", "01"),
        record("1001", "02"),
        record("1001", "01", "DE/North"),
      ]);
      expect(outcome).toEqual({ ok: true });
      const got = await t().store.workstations.get(ref("1001", "01"));
      expect(got).toEqual(record("1001", "01", "DE/North"));
      if (got !== undefined) got.group = "changed";
      expect((await t().store.workstations.get(ref("1001", "01")))?.group).toBe("DE/North");
      await t().reopen();
      const keys = (await t().store.workstations.list()).map((w) => `${w.store}/${w.workstation}`);
      expect(keys).toEqual(["1001/01", "1001/02", "2002/01"]);
    });

    it("a batch with one workstation already enrolled is refused whole", async () => {
      await t().store.workstations.enrol([record("1001", "01")]);
      const outcome = await t().store.workstations.enrol([
        record("1001", "02"),
        record("1001", "01"),
      ]);
      expect(outcome).toEqual({ ok: false, taken: ref("1001", "01") });
      expect(await t().store.workstations.get(ref("1001", "02"))).toBeUndefined();
      await t().reopen();
      expect(await t().store.workstations.list()).toHaveLength(1);
    });

    it("a batch naming a workstation twice is refused whole", async () => {
      const outcome = await t().store.workstations.enrol([
        record("1001", "01"),
        record("1001", "02"),
        record("1001", "01"),
      ]);
      expect(outcome).toEqual({ ok: false, taken: ref("1001", "01") });
      expect(await t().store.workstations.list()).toEqual([]);
    });

    it("a batch with a record the schema refuses rejects and changes nothing", async () => {
      const bad = { ...record("1001", "02"), store: "no spaces allowed" };
      await expect(t().store.workstations.enrol([record("1001", "01"), bad])).rejects.toThrow(
        /store/,
      );
      expect(await t().store.workstations.list()).toEqual([]);
      await t().reopen();
      expect(await t().store.workstations.list()).toEqual([]);
    });

    it("two enrolments at once both land; two of the same workstation: exactly one", async () => {
      const [a, b] = await Promise.all([
        t().store.workstations.enrol([record("1001", "01")]),
        t().store.workstations.enrol([record("1001", "02")]),
      ]);
      expect([a, b]).toEqual([{ ok: true }, { ok: true }]);
      const same = await Promise.all([
        t().store.workstations.enrol([record("3003", "01")]),
        t().store.workstations.enrol([record("3003", "01")]),
      ]);
      expect(same.filter((o) => o.ok)).toHaveLength(1);
      await t().reopen();
      expect(await t().store.workstations.list()).toHaveLength(3);
    });

    it("remove takes the record, its desired state and its status seq, durably; again: nothing", async () => {
      await t().store.workstations.enrol([record("1001", "01"), record("1001", "02")]);
      await t().store.desired.applyChange({
        entries: [{ ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") }],
        documents: 1,
      });
      await t().store.fleet.recordStatus({
        ref: ref("1001", "01"),
        seq: 7,
        rows: [row("1001", "01")],
      });
      expect(await t().store.workstations.remove(ref("1001", "01"))).toEqual(record("1001", "01"));
      expect(await t().store.workstations.get(ref("1001", "01"))).toBeUndefined();
      expect(await t().store.desired.servicesOf(ref("1001", "01"))).toEqual({});
      expect(await t().store.fleet.lastStatusSeq(ref("1001", "01"))).toBeUndefined();
      expect(await t().store.workstations.remove(ref("1001", "01"))).toBeUndefined();
      await t().reopen();
      expect((await t().store.workstations.list()).map((w) => w.workstation)).toEqual(["02"]);
      expect(await t().store.desired.all()).toEqual([]);
      expect(await t().store.fleet.lastStatusSeq(ref("1001", "01"))).toBeUndefined();
    });

    it("rekey replaces the hashes durably; an unknown workstation is not rekeyed", async () => {
      await t().store.workstations.enrol([record("1001", "01")]);
      const hashes = { agentSecretHash: "new-agent", posSecretHash: "new-pos" };
      expect(await t().store.workstations.rekey(ref("1001", "01"), hashes)).toEqual({
        ...record("1001", "01"),
        ...hashes,
      });
      expect(await t().store.workstations.rekey(ref("1001", "09"), hashes)).toBeUndefined();
      await t().reopen();
      expect(await t().store.workstations.get(ref("1001", "01"))).toMatchObject(hashes);
      expect(await t().store.workstations.list()).toHaveLength(1);
    });

    it("setCapabilities keeps what the agent understands durably; equal or unknown: nothing written", async () => {
      await t().store.workstations.enrol([record("1001", "01")]);
      const set = (caps: string[] | null, ws = "01") =>
        t().store.workstations.setCapabilities(ref("1001", ws), caps);
      expect(await set(["window", "redeploy"])).toBe(true);
      expect(await set(["window", "redeploy"])).toBe(false);
      expect(await set(["window"], "09")).toBe(false);
      await t().reopen();
      expect((await t().store.workstations.get(ref("1001", "01")))?.capabilities).toEqual([
        "window",
        "redeploy",
      ]);
      expect(await set(null)).toBe(true);
      await t().reopen();
      expect(await t().store.workstations.get(ref("1001", "01"))).not.toHaveProperty(
        "capabilities",
      );
    });

    it("enrol keeps the Mosquitto lines; rekey replaces them (or drops them when none come)", async () => {
      const lines = { agent: "a:$7$old", pos: "p:$7$old" };
      await t().store.workstations.enrol([
        { ...record("1001", "01"), mosquittoLines: lines },
        { ...record("1001", "02"), mosquittoLines: lines },
      ]);
      await t().reopen();
      expect((await t().store.workstations.get(ref("1001", "01")))?.mosquittoLines).toEqual(lines);
      const fresh = { agent: "a:$7$new", pos: "p:$7$new" };
      const hashes = { agentSecretHash: "new-agent", posSecretHash: "new-pos" };
      await t().store.workstations.rekey(ref("1001", "01"), { ...hashes, mosquittoLines: fresh });
      await t().store.workstations.rekey(ref("1001", "02"), hashes);
      await t().reopen();
      expect((await t().store.workstations.get(ref("1001", "01")))?.mosquittoLines).toEqual(fresh);
      expect((await t().store.workstations.get(ref("1001", "02")))?.mosquittoLines).toBeUndefined();
    });

    it("a failed write changes nothing, and the next one works", async (ctx) => {
      await t().store.workstations.enrol([record("1001", "01")]);
      await t().whileFailing(ctx, async () => {
        await expect(t().store.workstations.enrol([record("1001", "02")])).rejects.toThrow();
        await expect(t().store.workstations.remove(ref("1001", "01"))).rejects.toThrow();
        await expect(
          t().store.workstations.rekey(ref("1001", "01"), {
            agentSecretHash: "x",
            posSecretHash: "y",
          }),
        ).rejects.toThrow();
        expect(await t().store.workstations.list()).toEqual([record("1001", "01")]);
      });
      expect(await t().store.workstations.enrol([record("1001", "02")])).toEqual({ ok: true });
      await t().reopen();
      expect(await t().store.workstations.list()).toEqual([
        record("1001", "01"),
        record("1001", "02"),
      ]);
    });
  });
}
