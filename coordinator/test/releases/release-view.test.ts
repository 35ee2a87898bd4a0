import { describe, expect, it } from "vitest";
import { planOperation } from "../../src/releases/plan-operation.js";
import { planRelease } from "../../src/releases/plan-release.js";
import type { ReleaseRecord } from "../../src/releases/release-model.js";
import { summariseRelease, viewRelease } from "../../src/releases/release-view.js";
import {
  ALICE,
  answer,
  candidate,
  fleet,
  HOUR,
  input,
  release,
  T0,
  type World,
  world,
} from "./release-fixtures.js";

function start(fields: Record<string, unknown>, w: World): ReleaseRecord {
  const planned = planOperation(input(release(fields), w), { kind: "start" }, ALICE);
  if (!planned.ok) throw new Error(planned.error);
  return planned.value.release;
}

describe("viewRelease", () => {
  it("counts per outcome, Not Ready reasons, timed-out and failed rows, skipped rows", () => {
    const w = world([
      ...["01", "02", "03", "04", "05", "06"].map((ws) => candidate("A", ws)),
      candidate("A", "07", { activeVersion: "1.1.0" }),
    ]);
    const rel = start(
      {
        errorThreshold: "100%",
        stageTimeout: "1h",
        stages: [{ name: "all" }, { name: "later", checkpoint: "trigger" }],
      },
      w,
    );
    answer(rel, w, "A/01/pos-client", "OK", { okSince: T0 });
    answer(rel, w, "A/02/pos-client", "Not Ready", { reason: "cashier logged in" });
    answer(rel, w, "A/03/pos-client", "Failed", { reason: "health check failed" });
    answer(rel, w, "A/04/pos-client", "Rolled Back", { reason: "smoke test" });
    answer(rel, w, "A/05/pos-client", "In Progress");
    // A/06: never answered, and the timeout has passed.
    const view = viewRelease(rel, (k) => w.observations.get(k), T0 + HOUR);
    const stage = view.stages[0];
    expect(stage?.counts).toEqual({
      queued: 0,
      held: 0,
      Prepared: 0,
      "In Progress": 1,
      "Not Ready": 1,
      soaking: 0,
      OK: 1,
      Failed: 1,
      "Rolled Back": 1,
      "timed out": 1,
      total: 6,
      skipped: 1,
    });
    expect(stage?.notReady).toEqual([{ key: "A/02/pos-client", reason: "cashier logged in" }]);
    expect(stage?.timedOut).toEqual(["A/06/pos-client"]);
    expect(stage?.failed).toEqual([
      { key: "A/03/pos-client", status: "Failed", reason: "health check failed" },
      { key: "A/04/pos-client", status: "Rolled Back", reason: "smoke test" },
    ]);
    expect(stage?.skipped).toEqual([
      { key: "A/07/pos-client", reason: "1.1.0 is already the active version" },
    ]);
    expect(stage?.members).toHaveLength(6);
    expect(view.stages[1]).toMatchObject({
      name: "later",
      state: "Pending",
      checkpoint: "trigger",
      members: [],
      counts: { total: 0 },
    });
    expect(view).toMatchObject({
      id: "7",
      name: "spring",
      function: "pos-client",
      version: "1.1.0",
      state: "Running",
      createdBy: "alice",
    });
  });

  it("summariseRelease keeps ids, states and counts, not members", () => {
    const w = world(fleet(2, 2));
    const view = viewRelease(start({}, w), (k) => w.observations.get(k), T0);
    const summary = summariseRelease(view);
    expect(summary.stages).toEqual([
      { name: "all", state: "Running", counts: view.stages[0]?.counts },
    ]);
    expect(Object.keys(summary)).not.toContain("history");
  });
});

describe("scale: one pass per plan", () => {
  it("planRelease over 10,000 members reads each member's row once", () => {
    const w = world(fleet(1000, 10));
    const rel = start({ maxPerStore: 1 }, w);
    expect(rel.stages[0]?.members).toHaveLength(10_000);
    let reads = 0;
    const plan = planRelease({
      ...input(rel, w),
      observe: (k) => {
        reads++;
        return w.observations.get(k);
      },
    });
    expect(plan.sends).toEqual([]);
    // Only the 1,000 sent members are read (unsent ones have nothing to observe).
    expect(reads).toBe(1000);
  });
});
