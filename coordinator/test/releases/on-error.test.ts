import { describe, expect, it } from "vitest";
import { planOperation } from "../../src/releases/plan-operation.js";
import { planRelease } from "../../src/releases/plan-release.js";
import type { ReleasePlan, ReleaseRecord } from "../../src/releases/release-model.js";
import { ALICE, answer, candidate, input, release, type World, world } from "./release-fixtures.js";

/** A release started by alice over `w`'s candidates; the start plan. */
function start(fields: Record<string, unknown>, w: World): ReleasePlan {
  const planned = planOperation(input(release(fields), w), { kind: "start" }, ALICE);
  if (!planned.ok) throw new Error(planned.error);
  return planned.value;
}

const run = (rel: ReleaseRecord, w: World) => planRelease(input(rel, w));
const stageStates = (rel: ReleaseRecord) => rel.stages.map((s) => s.state);
const types = (plan: ReleasePlan) => plan.events.map((e) => e.type);

describe("planRelease: onError", () => {
  const stages = [{ name: "pilot" }, { name: "wave", checkpoint: "approval" }, { name: "rest" }];

  it("pause: the release is Failed, later stages stay Pending, no release-ended", () => {
    const w = world([candidate("A", "01"), candidate("B", "01")]);
    const rel = start({ stages: [{ name: "pilot" }, ...stages.slice(1)] }, w).release;
    answer(rel, w, "A/01/pos-client", "Failed");
    const plan = run(rel, w);
    expect(plan.release.state).toBe("Failed");
    expect(stageStates(plan.release)).toEqual(["Failed", "Pending", "Pending"]);
    expect(plan.release.history.at(-1)).toMatchObject({
      who: "release runner",
      subject: "release",
      from: "Running",
      to: "Failed",
      reason:
        "stage pilot failed: 1 of 2 rows failed (50% > 0%): waiting for an operator: retry, rollback or cancel",
    });
    expect(types(plan)).toEqual(["threshold-crossed", "stage-ended"]);
    expect(plan.events[0]).toMatchObject({
      threshold: "error",
      counts: { Failed: 1, Prepared: 1, total: 2 },
    });
    expect(plan.wakeAt).toBeNull();
  });

  it("a stuck stage fails without threshold-crossed", () => {
    const w = world([candidate("A", "01"), candidate("B", "01")]);
    const rel = start({ errorThreshold: "50%" }, w).release;
    answer(rel, w, "A/01/pos-client", "Failed");
    answer(rel, w, "B/01/pos-client", "OK");
    const plan = run(rel, w);
    expect(types(plan)).toEqual(["stage-ended"]);
    expect(plan.release.history.at(-1)?.reason).toBe(
      "stage all failed: only 1 of 2 rows OK; 100% needed: waiting for an operator: retry, rollback or cancel",
    );
  });

  it("rollback: previous versions sent in the same plan, later stages Cancelled, release Rolled Back", () => {
    const w = world([
      candidate("A", "01"),
      candidate("B", "01"),
      candidate("C", "01", { activeVersion: null }),
      candidate("D", "01"),
    ]);
    const rel = start({ stages, onError: "rollback" }, w).release;
    answer(rel, w, "A/01/pos-client", "Failed");
    answer(rel, w, "B/01/pos-client", "In Progress");
    answer(rel, w, "D/01/pos-client", "OK");
    const plan = run(rel, w);
    expect(plan.release.state).toBe("Rolled Back");
    expect(stageStates(plan.release)).toEqual(["Failed", "Cancelled", "Cancelled"]);
    expect(plan.sends).toEqual([
      {
        key: "A/01/pos-client",
        store: "A",
        workstation: "01",
        function: "pos-client",
        version: "1.0.0",
        requestId: "rel7-rb-0-0",
        why: "rollback",
      },
      {
        key: "D/01/pos-client",
        store: "D",
        workstation: "01",
        function: "pos-client",
        version: "1.0.0",
        requestId: "rel7-rb-0-3",
        why: "rollback",
      },
    ]);
    expect(plan.release.rolledBack).toEqual(["A/01/pos-client", "D/01/pos-client"]);
    expect(plan.release.history.at(-1)?.reason).toBe(
      "stage pilot failed: 1 of 4 rows failed (25% > 0%): onError rollback: 2 rows sent their previous version; 1 skipped: nothing was installed before the release; 1 skipped: In Progress: run release rollback again when it ends",
    );
    expect(plan.events.at(-1)).toMatchObject({ type: "release-ended", state: "Rolled Back" });
  });
});
