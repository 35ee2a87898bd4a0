// The store contract for release tasks; run by describeStoreConformance (conformance.ts).

import { describe, expect, it } from "vitest";
import type { ReleaseRecord } from "../../src/releases/release-model.js";
import type { StoreContext } from "./conformance-context.js";
import { releaseRecord } from "./conformance-fixtures.js";

/** The record with a stage started: one member sent, as the runner saves it. */
function started(record: ReleaseRecord): ReleaseRecord {
  const [pilot, ...rest] = record.stages;
  if (pilot === undefined) throw new Error("fixture has no stage");
  return {
    ...record,
    state: "Running",
    stages: [
      {
        ...pilot,
        state: "Running",
        startedAt: "2026-11-30T09:01:00.000Z",
        members: [
          {
            key: "1001/01/pos-client",
            store: "1001",
            workstation: "01",
            previousVersion: "1.0.0",
            requestId: `rel${record.id}-0-0-1`,
            sentAt: "2026-11-30T09:01:00.000Z",
            attempt: 1,
          },
        ],
        skipped: [{ key: "1001/02/pos-client", reason: "1.1.0 is already the active version" }],
      },
      ...rest,
    ],
  };
}

export function releaseContract(t: () => StoreContext): void {
  describe("releases", () => {
    it("create hands out ids 1, 2, … in order, also for creates made at once; durable", async () => {
      const first = await t().store.releases.create((id) => releaseRecord(id, "first"));
      const more = await Promise.all(
        ["a", "b", "c"].map((name) => t().store.releases.create((id) => releaseRecord(id, name))),
      );
      expect(first.id).toBe("1");
      expect(more.map((r) => [r.id, r.spec.name])).toEqual([
        ["2", "a"],
        ["3", "b"],
        ["4", "c"],
      ]);
      await t().reopen();
      expect((await t().store.releases.list()).map((r) => r.id)).toEqual(["1", "2", "3", "4"]);
      expect(await t().store.releases.get("3")).toEqual(releaseRecord("3", "b"));
      // An id once handed out is never handed out again after a restart.
      expect((await t().store.releases.create((id) => releaseRecord(id))).id).toBe("5");
    });

    it("save replaces the record durably; get and list hand out copies", async () => {
      const created = await t().store.releases.create((id) => releaseRecord(id));
      await t().store.releases.save(started(created));
      const read = await t().store.releases.get(created.id);
      expect(read).toEqual(started(created));
      (read as { state: string }).state = "Cancelled";
      expect((await t().store.releases.get(created.id))?.state).toBe("Running");
      await t().reopen();
      expect(await t().store.releases.get(created.id)).toEqual(started(created));
      expect(await t().store.releases.get("99")).toBeUndefined();
    });

    it("the task.planned marker (noticesPending) is kept with the record until a save leaves it out", async () => {
      const created = await t().store.releases.create((id) => ({
        ...releaseRecord(id),
        noticesPending: ["task.planned"],
      }));
      await t().reopen();
      expect((await t().store.releases.get(created.id))?.noticesPending).toEqual(["task.planned"]);
      const { noticesPending: _, ...cleared } = created;
      await t().store.releases.save(cleared);
      await t().reopen();
      expect(await t().store.releases.get(created.id)).toEqual(cleared);
      expect(await t().store.releases.get(created.id)).not.toHaveProperty("noticesPending");
    });

    it("saving an unknown release rejects and creates nothing", async () => {
      await expect(t().store.releases.save(releaseRecord("7"))).rejects.toThrow(/7/);
      expect(await t().store.releases.list()).toEqual([]);
    });

    it("a failed save rejects and changes nothing; the next one works", async (ctx) => {
      const created = await t().store.releases.create((id) => releaseRecord(id));
      await t().whileFailing(ctx, async () => {
        const big = { ...started(created), createdBy: "x".repeat(64 * 1024) };
        await expect(t().store.releases.save(big)).rejects.toThrow();
        expect(await t().store.releases.get(created.id)).toEqual(created);
      });
      await t().store.releases.save(started(created));
      await t().reopen();
      expect(await t().store.releases.get(created.id)).toEqual(started(created));
    });
  });
}
