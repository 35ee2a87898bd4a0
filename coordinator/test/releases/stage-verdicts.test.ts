import { describe, expect, it } from "vitest";
import { planOperation } from "../../src/releases/plan-operation.js";
import { planRelease } from "../../src/releases/plan-release.js";
import type { ReleasePlan, ReleaseRecord } from "../../src/releases/release-model.js";
import {
  ALICE,
  answer,
  answerAll,
  candidate,
  fleet,
  HOUR,
  input,
  MINUTE,
  release,
  T0,
  type World,
  world,
} from "./release-fixtures.js";

/** A release started by alice over `w`'s candidates; the start plan. */
function start(fields: Record<string, unknown>, w: World): ReleasePlan {
  const planned = planOperation(input(release(fields), w), { kind: "start" }, ALICE);
  if (!planned.ok) throw new Error(planned.error);
  return planned.value;
}

const run = (rel: ReleaseRecord, w: World) => planRelease(input(rel, w));
const stageStates = (rel: ReleaseRecord) => rel.stages.map((s) => s.state);
const _types = (plan: ReleasePlan) => plan.events.map((e) => e.type);

describe("planRelease: judging a running stage", () => {
  const two = () => world([candidate("A", "01"), candidate("B", "01")]);

  it("Not Ready is not an error, never times out: the stage waits", () => {
    const w = two();
    const rel = start({}, w).release;
    answer(rel, w, "A/01/pos-client", "Not Ready");
    answer(rel, w, "B/01/pos-client", "OK");
    w.now = T0 + 10 * HOUR;
    const plan = run(rel, w);
    expect(plan.changed).toBe(false);
    expect(plan.wakeAt).toBeNull();
  });

  it("a timeout counts as an error exactly at sentAt + stageTimeout, not 1 ms before", () => {
    const w = two();
    const rel = start({ stageTimeout: "1h" }, w).release;
    answer(rel, w, "B/01/pos-client", "OK");
    w.now = T0 + HOUR - 1;
    const before = run(rel, w);
    expect(before.changed).toBe(false);
    expect(before.wakeAt).toBe(T0 + HOUR);
    w.now = T0 + HOUR;
    const at = run(rel, w);
    expect(stageStates(at.release)).toEqual(["Failed"]);
    expect(at.release.stages[0]?.reason).toBe("1 of 2 rows failed (50% > 0%)");
    expect(at.release.state).toBe("Failed");
  });

  const thresholds: {
    name: string;
    errorThreshold: string;
    successThreshold?: string;
    failed: number;
    ok: number;
    total: number;
    stage: string;
    reason: string;
  }[] = [
    {
      name: "0%: the first error fails",
      errorThreshold: "0%",
      failed: 1,
      ok: 3,
      total: 4,
      stage: "Failed",
      reason: "1 of 4 rows failed (25% > 0%)",
    },
    {
      name: "equal to the threshold does not fail by errors",
      errorThreshold: "25%",
      failed: 1,
      ok: 3,
      total: 4,
      stage: "Failed",
      reason: "only 3 of 4 rows OK; 100% needed",
    },
    {
      name: "equal, success threshold met",
      errorThreshold: "25%",
      successThreshold: "75%",
      failed: 1,
      ok: 3,
      total: 4,
      stage: "Successful",
      reason: "3 of 4 rows OK (75% ≥ 75%)",
    },
    {
      name: "strictly above fails",
      errorThreshold: "25%",
      failed: 2,
      ok: 2,
      total: 4,
      stage: "Failed",
      reason: "2 of 4 rows failed (50% > 25%)",
    },
    {
      name: "2% of 50: 1 is equal",
      errorThreshold: "2%",
      successThreshold: "98%",
      failed: 1,
      ok: 49,
      total: 50,
      stage: "Successful",
      reason: "49 of 50 rows OK (98% ≥ 98%)",
    },
    {
      name: "2% of 50: 2 is above",
      errorThreshold: "2%",
      failed: 2,
      ok: 48,
      total: 50,
      stage: "Failed",
      reason: "2 of 50 rows failed (4% > 2%)",
    },
    {
      name: "99.99% needed: 9998 of 9999 is just short",
      errorThreshold: "100%",
      successThreshold: "99.99%",
      failed: 1,
      ok: 9998,
      total: 9999,
      stage: "Failed",
      reason: "only 9998 of 9999 rows OK; 99.99% needed",
    },
    {
      name: "all OK",
      errorThreshold: "0%",
      failed: 0,
      ok: 3,
      total: 3,
      stage: "Successful",
      reason: "3 of 3 rows OK (100% ≥ 100%)",
    },
  ];
  it.each(thresholds)("$name", (c) => {
    const w = world(fleet(c.total, 1));
    const rel = start(
      { errorThreshold: c.errorThreshold, successThreshold: c.successThreshold ?? "100%" },
      w,
    ).release;
    const members = rel.stages[0]?.members ?? [];
    members.forEach((m, i) => {
      answer(rel, w, m.key, i < c.failed ? "Failed" : "OK");
    });
    const plan = run(rel, w);
    expect(plan.release.stages[0]?.state).toBe(c.stage);
    expect(plan.release.stages[0]?.reason).toBe(c.reason);
  });

  it("success is reached only when nothing is queued", () => {
    const w = world(fleet(1, 3));
    const rel = start({ maxPerStore: 1, successThreshold: "33.33%" }, w).release;
    answer(rel, w, "S00/01/pos-client", "OK");
    const second = run(rel, w);
    expect(second.sends.map((s) => s.key)).toEqual(["S00/02/pos-client"]);
    // 1 of 3 OK ≥ 33.33%, but S00/03 is still queued.
    expect(stageStates(second.release)).toEqual(["Running"]);
    answer(second.release, w, "S00/02/pos-client", "OK");
    const third = run(second.release, w);
    expect(third.sends.map((s) => s.key)).toEqual(["S00/03/pos-client"]);
    expect(stageStates(third.release)).toEqual(["Successful"]);
  });

  it("soak: OK rows count only after okSince + soak; wakeAt is the soak's end", () => {
    const w = two();
    const rel = start({ soak: "15m" }, w).release;
    answerAll(rel, w, "OK", { okSince: T0 + MINUTE });
    w.now = T0 + 10 * MINUTE;
    const soaking = run(rel, w);
    expect(soaking.changed).toBe(false);
    expect(soaking.wakeAt).toBe(T0 + 16 * MINUTE);
    w.now = T0 + 16 * MINUTE;
    expect(stageStates(run(rel, w).release)).toEqual(["Successful"]);
  });

  it("soak broken: okSince null again is not a success; a later Failed is an error", () => {
    const w = two();
    const rel = start({ soak: "15m" }, w).release;
    answerAll(rel, w, "OK", { okSince: T0 });
    w.now = T0 + 14 * MINUTE;
    answer(rel, w, "A/01/pos-client", "OK", { okSince: null });
    w.now = T0 + 20 * MINUTE;
    const broken = run(rel, w);
    expect(stageStates(broken.release)).toEqual(["Running"]);
    expect(broken.wakeAt).toBe(T0 + 35 * MINUTE);
    answer(rel, w, "A/01/pos-client", "Failed");
    const failed = run(rel, w);
    expect(stageStates(failed.release)).toEqual(["Failed"]);
    expect(failed.release.stages[0]?.reason).toBe("1 of 2 rows failed (50% > 0%)");
  });

  it("wakeAt is the earliest of Prepared timeouts and soak ends", () => {
    const w = two();
    const rel = start({ soak: "3h", stageTimeout: "2h" }, w).release;
    answer(rel, w, "A/01/pos-client", "OK", { okSince: T0 });
    expect(run(rel, w).wakeAt).toBe(T0 + 2 * HOUR);
    answer(rel, w, "B/01/pos-client", "In Progress");
    expect(run(rel, w).wakeAt).toBe(T0 + 3 * HOUR);
  });

  it("a Rolled Back row is an error", () => {
    const w = two();
    const rel = start({}, w).release;
    answer(rel, w, "A/01/pos-client", "Rolled Back");
    expect(run(rel, w).release.stages[0]?.reason).toBe("1 of 2 rows failed (50% > 0%)");
  });

  it("a failing stage sends no more rows in the plan that fails it", () => {
    const w = world(fleet(2, 2));
    const rel = start({ maxPerStore: 1 }, w).release;
    answer(rel, w, "S00/01/pos-client", "Failed");
    answer(rel, w, "S01/01/pos-client", "OK");
    const plan = run(rel, w);
    expect(plan.release.state).toBe("Failed");
    expect(plan.sends).toEqual([]);
  });
});
