// The store contract for the audit trail and pack records; run by describeStoreConformance (conformance.ts).

import { describe, expect, it } from "vitest";
import type { StoreContext } from "./conformance-context.js";
import { audit } from "./conformance-fixtures.js";

export function auditAndPackContract(t: () => StoreContext): void {
  describe("audit", () => {
    it("lists in append order, also for appends made at once; durable; limit keeps the last", async () => {
      await t().store.audit.append(audit("first"));
      await Promise.all(
        ["a", "b", "c", "d"].map((action) => t().store.audit.append(audit(action))),
      );
      await t().reopen();
      expect((await t().store.audit.list()).map((e) => e.action)).toEqual([
        "first",
        "a",
        "b",
        "c",
        "d",
      ]);
      expect((await t().store.audit.list({ limit: 2 })).map((e) => e.action)).toEqual(["c", "d"]);
    });

    it("an entry reads back as written, its keys in their order (tillroll audit prints them)", async () => {
      // What `maintenance on` audits: a longer key before shorter ones, nested.
      const entry = {
        ...audit("maintenance on"),
        details: { to: { active: true, reason: "stock-taking", seq: 3, by: "admin" }, from: null },
      };
      await t().store.audit.append(entry);
      await t().reopen();
      const [read] = await t().store.audit.list();
      expect(JSON.stringify(read)).toBe(JSON.stringify(entry));
    });

    it("a failed append rejects and records nothing; the next one works", async (ctx) => {
      await t().store.audit.append(audit("first"));
      await t().whileFailing(ctx, async () => {
        await expect(t().store.audit.append(audit("lost", 64 * 1024))).rejects.toThrow();
      });
      await t().store.audit.append(audit("third"));
      await t().reopen();
      expect((await t().store.audit.list()).map((e) => e.action)).toEqual(["first", "third"]);
    });
  });

  describe("packs", () => {
    it("publish is durable and idempotent for the same bytes; other bytes are refused", async () => {
      const file = await t().harness.buildPack("pos-client", "1.1.0");
      const published = await t().store.packs.publish(file);
      expect(published.ok).toBe(true);
      if (!published.ok) return;
      expect((await t().store.packs.publish(file)).ok).toBe(true);
      const other = await t().store.packs.publish(
        await t().harness.buildPack("pos-client", "1.1.0", "other"),
      );
      expect(other.ok).toBe(false);
      await t().reopen();
      expect(await t().store.packs.list()).toEqual([published.value]);
      expect(await t().store.packs.get({ name: "pos-client", version: "1.1.0" })).toEqual(
        published.value,
      );
      expect(await t().store.packs.bySha256(published.value.sha256)).toEqual(published.value);
    });

    it("withdraw is durable; withdrawing again or an unknown pack is refused, changing nothing", async () => {
      await t().store.packs.publish(await t().harness.buildPack("pos-client", "1.1.0"));
      const withdrawn = await t().store.packs.withdraw(
        { name: "pos-client", version: "1.1.0" },
        "anna",
      );
      expect(withdrawn.ok && withdrawn.value.withdrawnBy).toBe("anna");
      expect(
        (await t().store.packs.withdraw({ name: "pos-client", version: "1.1.0" }, "bert")).ok,
      ).toBe(false);
      expect(
        (await t().store.packs.withdraw({ name: "pos-client", version: "9.9.9" }, "bert")).ok,
      ).toBe(false);
      await t().reopen();
      expect(
        (await t().store.packs.get({ name: "pos-client", version: "1.1.0" }))?.withdrawnBy,
      ).toBe("anna");
    });

    it("a failed withdrawal changes nothing", async (ctx) => {
      await t().store.packs.publish(await t().harness.buildPack("pos-client", "1.1.0"));
      await t().whileFailing(ctx, async () => {
        const refused = await t()
          .store.packs.withdraw({ name: "pos-client", version: "1.1.0" }, "anna")
          .catch((error: Error) => ({ ok: false as const, error: error.message }));
        expect(refused.ok).toBe(false);
        expect(
          (await t().store.packs.get({ name: "pos-client", version: "1.1.0" }))?.withdrawnAt,
        ).toBeUndefined();
      });
      await t().reopen();
      expect(
        (await t().store.packs.get({ name: "pos-client", version: "1.1.0" }))?.withdrawnAt,
      ).toBeUndefined();
    });
  });
}
