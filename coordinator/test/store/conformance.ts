// The contract every CoordinatorStore implementation keeps, as tests: run it with
// describeStoreConformance(name, makeHarness) against each implementation.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import type { ServiceRow } from "../../src/fleet/service-row.js";
import type { DesiredEntry, WorkstationRecord } from "../../src/state/coordinator-state.js";
import type { CoordinatorStore } from "../../src/store/index.js";

/** What the suite needs of an implementation. */
export interface StoreHarness {
  /** Opens the store on the same place every time: a reopen shows what was made durable. */
  open(): Promise<CoordinatorStore>;
  /**
   * Makes the store's writes fail (a full disk, a refused transaction) until the returned
   * function is called. Null when it cannot be done here: those tests are skipped.
   */
  failWrites: (() => Promise<() => Promise<void>>) | null;
  /** Why failWrites is null. */
  whyNoFaults?: string;
  /** A valid pack archive for `name` `version`; another `marker` gives other bytes. */
  buildPack(name: string, version: string, marker?: string): Promise<string>;
  /** Removes everything the harness made; the store is closed by then. */
  cleanup(): Promise<void>;
}

const AT = "2026-11-30T09:00:00.000Z";

export function record(store: string, workstation: string, group: string | null = null) {
  return {
    store,
    workstation,
    group,
    agentSecretHash: `agent-hash-${store}-${workstation}`,
    posSecretHash: `pos-hash-${store}-${workstation}`,
    enrolledAt: AT,
  } satisfies WorkstationRecord;
}

export function row(
  store: string,
  workstation: string,
  fn = "pos-client",
  extra: Partial<ServiceRow> = {},
): ServiceRow {
  return {
    store,
    workstation,
    function: fn,
    activeVersion: "1.0.0",
    preferredVersion: null,
    status: "OK",
    phase: null,
    progress: null,
    reason: null,
    validFrom: null,
    requestId: null,
    group: null,
    online: false,
    updatedAt: AT,
    ...extra,
  };
}

function entry(version: string | null): DesiredEntry {
  return {
    preferredVersion: version,
    validFrom: version === null ? null : AT,
    requestId: version === null ? null : `r-${version.replaceAll(".", "")}`,
    artifact: null,
  };
}

function audit(action: string, pad = 0): AuditEntry {
  return {
    at: AT,
    who: "conformance",
    action,
    details: pad === 0 ? {} : { pad: "x".repeat(pad) },
    touched: [],
    skipped: 0,
  } as AuditEntry;
}

const ref = (store: string, workstation: string) => ({ store, workstation });

export function describeStoreConformance(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
): void {
  describe(`store conformance: ${name}`, () => {
    let harness: StoreHarness;
    let store: CoordinatorStore;

    beforeEach(async () => {
      harness = await makeHarness();
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    async function reopen(): Promise<CoordinatorStore> {
      await store.close();
      store = await harness.open();
      return store;
    }

    /** Runs `body` while writes fail; skips the test where faults cannot be injected. */
    async function whileFailing(
      ctx: { skip: (note?: string) => void },
      body: () => Promise<void>,
    ): Promise<void> {
      if (harness.failWrites === null) {
        ctx.skip(harness.whyNoFaults ?? "cannot inject write faults here");
        return;
      }
      const restore = await harness.failWrites();
      try {
        await body();
      } finally {
        await restore();
      }
    }

    describe("workstations", () => {
      it("enrol is durable; list is by store then workstation; get hands out copies", async () => {
        const outcome = await store.workstations.enrol([
          record("2002", "01"),
          record("1001", "02"),
          record("1001", "01", "DE/North"),
        ]);
        expect(outcome).toEqual({ ok: true });
        const got = await store.workstations.get(ref("1001", "01"));
        expect(got).toEqual(record("1001", "01", "DE/North"));
        if (got !== undefined) got.group = "changed";
        expect((await store.workstations.get(ref("1001", "01")))?.group).toBe("DE/North");
        await reopen();
        const keys = (await store.workstations.list()).map((w) => `${w.store}/${w.workstation}`);
        expect(keys).toEqual(["1001/01", "1001/02", "2002/01"]);
      });

      it("a batch with one workstation already enrolled is refused whole", async () => {
        await store.workstations.enrol([record("1001", "01")]);
        const outcome = await store.workstations.enrol([
          record("1001", "02"),
          record("1001", "01"),
        ]);
        expect(outcome).toEqual({ ok: false, taken: ref("1001", "01") });
        expect(await store.workstations.get(ref("1001", "02"))).toBeUndefined();
        await reopen();
        expect(await store.workstations.list()).toHaveLength(1);
      });

      it("a batch naming a workstation twice is refused whole", async () => {
        const outcome = await store.workstations.enrol([
          record("1001", "01"),
          record("1001", "02"),
          record("1001", "01"),
        ]);
        expect(outcome).toEqual({ ok: false, taken: ref("1001", "01") });
        expect(await store.workstations.list()).toEqual([]);
      });

      it("a batch with a record the schema refuses rejects and changes nothing", async () => {
        const bad = { ...record("1001", "02"), store: "no spaces allowed" };
        await expect(store.workstations.enrol([record("1001", "01"), bad])).rejects.toThrow(
          /store/,
        );
        expect(await store.workstations.list()).toEqual([]);
        await reopen();
        expect(await store.workstations.list()).toEqual([]);
      });

      it("two enrolments at once both land; two of the same workstation: exactly one", async () => {
        const [a, b] = await Promise.all([
          store.workstations.enrol([record("1001", "01")]),
          store.workstations.enrol([record("1001", "02")]),
        ]);
        expect([a, b]).toEqual([{ ok: true }, { ok: true }]);
        const same = await Promise.all([
          store.workstations.enrol([record("3003", "01")]),
          store.workstations.enrol([record("3003", "01")]),
        ]);
        expect(same.filter((o) => o.ok)).toHaveLength(1);
        await reopen();
        expect(await store.workstations.list()).toHaveLength(3);
      });

      it("remove takes the record, its desired state and its status seq, durably; again: nothing", async () => {
        await store.workstations.enrol([record("1001", "01"), record("1001", "02")]);
        await store.desired.applyChange({
          entries: [{ ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") }],
          documents: 1,
        });
        await store.fleet.recordStatus({
          ref: ref("1001", "01"),
          seq: 7,
          rows: [row("1001", "01")],
        });
        expect(await store.workstations.remove(ref("1001", "01"))).toEqual(record("1001", "01"));
        expect(await store.workstations.get(ref("1001", "01"))).toBeUndefined();
        expect(await store.desired.servicesOf(ref("1001", "01"))).toEqual({});
        expect(await store.fleet.lastStatusSeq(ref("1001", "01"))).toBeUndefined();
        expect(await store.workstations.remove(ref("1001", "01"))).toBeUndefined();
        await reopen();
        expect((await store.workstations.list()).map((w) => w.workstation)).toEqual(["02"]);
        expect(await store.desired.all()).toEqual([]);
        expect(await store.fleet.lastStatusSeq(ref("1001", "01"))).toBeUndefined();
      });

      it("rekey replaces the hashes durably; an unknown workstation is not rekeyed", async () => {
        await store.workstations.enrol([record("1001", "01")]);
        const hashes = { agentSecretHash: "new-agent", posSecretHash: "new-pos" };
        expect(await store.workstations.rekey(ref("1001", "01"), hashes)).toEqual({
          ...record("1001", "01"),
          ...hashes,
        });
        expect(await store.workstations.rekey(ref("1001", "09"), hashes)).toBeUndefined();
        await reopen();
        expect(await store.workstations.get(ref("1001", "01"))).toMatchObject(hashes);
        expect(await store.workstations.list()).toHaveLength(1);
      });

      it("a failed write changes nothing, and the next one works", async (ctx) => {
        await store.workstations.enrol([record("1001", "01")]);
        await whileFailing(ctx, async () => {
          await expect(store.workstations.enrol([record("1001", "02")])).rejects.toThrow();
          await expect(store.workstations.remove(ref("1001", "01"))).rejects.toThrow();
          await expect(
            store.workstations.rekey(ref("1001", "01"), {
              agentSecretHash: "x",
              posSecretHash: "y",
            }),
          ).rejects.toThrow();
          expect(await store.workstations.list()).toEqual([record("1001", "01")]);
        });
        expect(await store.workstations.enrol([record("1001", "02")])).toEqual({ ok: true });
        await reopen();
        expect(await store.workstations.list()).toEqual([
          record("1001", "01"),
          record("1001", "02"),
        ]);
      });
    });

    describe("desired", () => {
      it("applyChange writes the entries and reserves the seqs, durably; seqs only go up", async () => {
        await store.workstations.enrol([record("1001", "01"), record("1001", "02")]);
        const first = await store.desired.applyChange({
          entries: [
            { ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") },
            { ref: ref("1001", "02"), function: "pos-client", entry: entry("1.1.0") },
          ],
          documents: 2,
        });
        expect(first.applied).toBe(2);
        await reopen();
        expect(await store.desired.servicesOf(ref("1001", "01"))).toEqual({
          "pos-client": entry("1.1.0"),
        });
        expect((await store.desired.all()).map((d) => d.ref)).toEqual(
          expect.arrayContaining([ref("1001", "01"), ref("1001", "02")]),
        );
        const next = await store.desired.reserveSeqs(3);
        expect(next).toBeGreaterThan(first.firstSeq + 1);
        const after = await store.desired.reserveSeqs(1);
        expect(after).toBeGreaterThan(next + 2);
      });

      it("an entry of a workstation not enrolled is left out; the others land", async () => {
        await store.workstations.enrol([record("1001", "01")]);
        const result = await store.desired.applyChange({
          entries: [
            { ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") },
            { ref: ref("1001", "99"), function: "pos-client", entry: entry("1.1.0") },
          ],
          documents: 1,
        });
        expect(result.applied).toBe(1);
        expect(await store.desired.all()).toEqual([
          { ref: ref("1001", "01"), services: { "pos-client": entry("1.1.0") } },
        ]);
      });

      it("the same change twice leaves the same entries (new seqs); other functions are kept", async () => {
        await store.workstations.enrol([record("1001", "01")]);
        const change = {
          entries: [{ ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") }],
          documents: 1,
        };
        await store.desired.applyChange({
          entries: [{ ref: ref("1001", "01"), function: "scale", entry: entry("2.0.0") }],
          documents: 1,
        });
        const a = await store.desired.applyChange(change);
        const b = await store.desired.applyChange(change);
        expect(b.firstSeq).toBeGreaterThan(a.firstSeq);
        expect(await store.desired.servicesOf(ref("1001", "01"))).toEqual({
          "pos-client": entry("1.1.0"),
          scale: entry("2.0.0"),
        });
      });

      it("two changes at once both land, with seq ranges that do not overlap", async () => {
        await store.workstations.enrol([record("1001", "01"), record("1001", "02")]);
        const [a, b] = await Promise.all([
          store.desired.applyChange({
            entries: [{ ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") }],
            documents: 5,
          }),
          store.desired.applyChange({
            entries: [{ ref: ref("1001", "02"), function: "pos-client", entry: entry("1.2.0") }],
            documents: 5,
          }),
        ]);
        const [low, high] = a.firstSeq < b.firstSeq ? [a, b] : [b, a];
        expect(high.firstSeq).toBeGreaterThanOrEqual(low.firstSeq + 5);
        await reopen();
        expect(await store.desired.servicesOf(ref("1001", "01"))).toEqual({
          "pos-client": entry("1.1.0"),
        });
        expect(await store.desired.servicesOf(ref("1001", "02"))).toEqual({
          "pos-client": entry("1.2.0"),
        });
      });

      it("a failed write changes nothing, and no seq is handed out twice", async (ctx) => {
        await store.workstations.enrol([record("1001", "01")]);
        const before = await store.desired.reserveSeqs(1);
        await whileFailing(ctx, async () => {
          await expect(
            store.desired.applyChange({
              entries: [{ ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") }],
              documents: 1,
            }),
          ).rejects.toThrow();
          expect(await store.desired.servicesOf(ref("1001", "01"))).toEqual({});
        });
        expect(await store.desired.reserveSeqs(1)).toBeGreaterThan(before);
        await reopen();
        expect(await store.desired.all()).toEqual([]);
      });
    });

    describe("fleet rows", () => {
      it("recordStatus shows at once, with its seq; durable after close", async () => {
        await store.fleet.recordStatus({
          ref: ref("1001", "01"),
          seq: 3,
          rows: [row("1001", "01"), row("1001", "01", "scale")],
        });
        expect(await store.fleet.lastStatusSeq(ref("1001", "01"))).toBe(3);
        expect((await store.fleet.rowsOf(ref("1001", "01"))).map((r) => r.function).sort()).toEqual(
          ["pos-client", "scale"],
        );
        await store.fleet.recordStatus({
          ref: ref("1001", "01"),
          seq: 4,
          rows: [row("1001", "01", "scale", { activeVersion: "2.0.0" })],
        });
        await reopen();
        expect(await store.fleet.lastStatusSeq(ref("1001", "01"))).toBe(4);
        expect((await store.fleet.get("1001/01/scale"))?.activeVersion).toBe("2.0.0");
        expect(await store.fleet.rowsOf(ref("1001", "01"))).toHaveLength(2);
      });

      it("upsertRows is durable; query filters; rows handed out are copies", async () => {
        await store.fleet.upsertRows([
          row("1001", "01", "pos-client", { group: "DE/North" }),
          row("1001", "02", "pos-client", {
            status: "Failed",
            reason: "update failed",
            group: "DE/South",
          }),
          row("2002", "01", "scale", { group: "AT" }),
        ]);
        await reopen();
        expect(
          (await store.fleet.query({ group: ["DE"] })).map((r) => r.workstation).sort(),
        ).toEqual(["01", "02"]);
        expect((await store.fleet.query({ status: ["Failed"] })).map((r) => r.workstation)).toEqual(
          ["02"],
        );
        expect(await store.fleet.query({ function: ["scale"], store: ["1001"] })).toEqual([]);
        const got = await store.fleet.get("2002/01/scale");
        // A caller changing what it was handed changes nothing in the store.
        if (got !== undefined) (got as { status: string }).status = "Failed";
        expect((await store.fleet.get("2002/01/scale"))?.status).toBe("OK");
      });

      it("a batch with a row the schema refuses rejects and changes nothing", async () => {
        await store.fleet.upsertRows([row("1001", "01")]);
        const bad = row("1001", "02", "pos-client", { status: "Failed", reason: null });
        await expect(
          store.fleet.upsertRows([
            row("1001", "01", "pos-client", { activeVersion: "1.1.0" }),
            bad,
          ]),
        ).rejects.toThrow(/reason/);
        expect((await store.fleet.get("1001/01/pos-client"))?.activeVersion).toBe("1.0.0");
        expect(await store.fleet.get("1001/02/pos-client")).toBeUndefined();
        await reopen();
        expect(await store.fleet.query({})).toHaveLength(1);
      });

      it("removeRowsOf removes a workstation's rows durably; again: none", async () => {
        await store.fleet.upsertRows([
          row("1001", "01"),
          row("1001", "01", "scale"),
          row("1001", "02"),
        ]);
        expect((await store.fleet.removeRowsOf(ref("1001", "01"))).sort()).toEqual([
          "1001/01/pos-client",
          "1001/01/scale",
        ]);
        expect(await store.fleet.removeRowsOf(ref("1001", "01"))).toEqual([]);
        await reopen();
        expect((await store.fleet.query({})).map((r) => r.workstation)).toEqual(["02"]);
      });

      it("two changes at once both land", async () => {
        await Promise.all([
          store.fleet.upsertRows([row("1001", "01")]),
          store.fleet.upsertRows([row("1001", "02")]),
          store.fleet.recordStatus({ ref: ref("1001", "03"), seq: 1, rows: [row("1001", "03")] }),
        ]);
        await reopen();
        expect((await store.fleet.query({})).map((r) => r.workstation).sort()).toEqual([
          "01",
          "02",
          "03",
        ]);
      });

      it("a failed upsert rejects; once writes work again the next one is durable", async (ctx) => {
        await store.fleet.upsertRows([row("1001", "01")]);
        await whileFailing(ctx, async () => {
          const many = Array.from({ length: 300 }, (_, i) => row(String(2000 + i), "01"));
          await expect(store.fleet.upsertRows(many)).rejects.toThrow();
        });
        await store.fleet.upsertRows([row("1001", "02")]);
        await reopen();
        expect(await store.fleet.get("1001/01/pos-client")).toBeDefined();
        expect(await store.fleet.get("1001/02/pos-client")).toBeDefined();
      });
    });

    describe("audit", () => {
      it("lists in append order, also for appends made at once; durable; limit keeps the last", async () => {
        await store.audit.append(audit("first"));
        await Promise.all(["a", "b", "c", "d"].map((action) => store.audit.append(audit(action))));
        await reopen();
        expect((await store.audit.list()).map((e) => e.action)).toEqual([
          "first",
          "a",
          "b",
          "c",
          "d",
        ]);
        expect((await store.audit.list({ limit: 2 })).map((e) => e.action)).toEqual(["c", "d"]);
      });

      it("a failed append rejects and records nothing; the next one works", async (ctx) => {
        await store.audit.append(audit("first"));
        await whileFailing(ctx, async () => {
          await expect(store.audit.append(audit("lost", 64 * 1024))).rejects.toThrow();
        });
        await store.audit.append(audit("third"));
        await reopen();
        expect((await store.audit.list()).map((e) => e.action)).toEqual(["first", "third"]);
      });
    });

    describe("packs", () => {
      it("publish is durable and idempotent for the same bytes; other bytes are refused", async () => {
        const file = await harness.buildPack("pos-client", "1.1.0");
        const published = await store.packs.publish(file);
        expect(published.ok).toBe(true);
        if (!published.ok) return;
        expect((await store.packs.publish(file)).ok).toBe(true);
        const other = await store.packs.publish(
          await harness.buildPack("pos-client", "1.1.0", "other"),
        );
        expect(other.ok).toBe(false);
        await reopen();
        expect(await store.packs.list()).toEqual([published.value]);
        expect(await store.packs.get({ name: "pos-client", version: "1.1.0" })).toEqual(
          published.value,
        );
        expect(await store.packs.bySha256(published.value.sha256)).toEqual(published.value);
      });

      it("withdraw is durable; withdrawing again or an unknown pack is refused, changing nothing", async () => {
        await store.packs.publish(await harness.buildPack("pos-client", "1.1.0"));
        const withdrawn = await store.packs.withdraw(
          { name: "pos-client", version: "1.1.0" },
          "anna",
        );
        expect(withdrawn.ok && withdrawn.value.withdrawnBy).toBe("anna");
        expect(
          (await store.packs.withdraw({ name: "pos-client", version: "1.1.0" }, "bert")).ok,
        ).toBe(false);
        expect(
          (await store.packs.withdraw({ name: "pos-client", version: "9.9.9" }, "bert")).ok,
        ).toBe(false);
        await reopen();
        expect((await store.packs.get({ name: "pos-client", version: "1.1.0" }))?.withdrawnBy).toBe(
          "anna",
        );
      });

      it("a failed withdrawal changes nothing", async (ctx) => {
        await store.packs.publish(await harness.buildPack("pos-client", "1.1.0"));
        await whileFailing(ctx, async () => {
          const refused = await store.packs
            .withdraw({ name: "pos-client", version: "1.1.0" }, "anna")
            .catch((error: Error) => ({ ok: false as const, error: error.message }));
          expect(refused.ok).toBe(false);
          expect(
            (await store.packs.get({ name: "pos-client", version: "1.1.0" }))?.withdrawnAt,
          ).toBeUndefined();
        });
        await reopen();
        expect(
          (await store.packs.get({ name: "pos-client", version: "1.1.0" }))?.withdrawnAt,
        ).toBeUndefined();
      });
    });
  });
}
