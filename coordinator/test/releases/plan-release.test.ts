import { describe, expect, it } from "vitest";
import { planOperation } from "../../src/releases/plan-operation.js";
import { planRelease } from "../../src/releases/plan-release.js";
import type { ReleasePlan, ReleaseRecord, ReleaseState } from "../../src/releases/release-model.js";
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
  withStages,
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
const types = (plan: ReleasePlan) => plan.events.map((e) => e.type);

describe("planRelease: only a Running release moves", () => {
  const states: ReleaseState[] = [
    "Ready",
    "Paused",
    "Successful",
    "Failed",
    "Rejected",
    "Cancelled",
    "Rolled Back",
  ];
  it.each(states)("%s: nothing changes, nothing is sent", (state) => {
    const w = world(fleet(2, 2));
    const rel = withStages(start({}, w).release, state, []);
    const plan = run(rel, w);
    expect(plan).toEqual({
      release: rel,
      changed: false,
      sends: [],
      events: [],
      needsCandidates: false,
      wakeAt: null,
    });
    expect(plan.release).toBe(rel);
  });
});

describe("planRelease: a stage starts", () => {
  it("checkpoint approval: Waiting for approval, event stage-waiting, no candidates needed", () => {
    const w = world(null);
    const plan = start({ stages: [{ name: "pilot", checkpoint: "approval" }] }, w);
    expect(plan.needsCandidates).toBe(false);
    expect(stageStates(plan.release)).toEqual(["Waiting for approval"]);
    expect(plan.events).toEqual([
      {
        type: "stage-waiting",
        at: "2026-11-30T08:00:00.000Z",
        release: "7",
        stage: "pilot",
        checkpoint: "approval",
      },
    ]);
    expect(plan.sends).toEqual([]);
    expect(run(plan.release, w).changed).toBe(false);
  });

  it("checkpoint trigger: Waiting for trigger", () => {
    const plan = start({ stages: [{ name: "rest", checkpoint: "trigger" }] }, world(null));
    expect(stageStates(plan.release)).toEqual(["Waiting for trigger"]);
    expect(plan.events[0]).toMatchObject({ type: "stage-waiting", checkpoint: "trigger" });
  });

  it("no checkpoint and no candidates: needsCandidates, nothing changes", () => {
    const w = world(fleet(1, 1));
    const running = withStages(release(), "Running", []);
    w.candidates = null;
    const plan = run(running, w);
    expect(plan).toEqual({
      release: running,
      changed: false,
      sends: [],
      events: [],
      needsCandidates: true,
      wakeAt: null,
    });
  });

  it("with candidates: members fixed, every row sent at once (no maxPerStore), stage-started", () => {
    const w = world(fleet(2, 2));
    const plan = start({}, w);
    const stage = plan.release.stages[0];
    expect(stage?.state).toBe("Running");
    expect(stage?.startedAt).toBe("2026-11-30T08:00:00.000Z");
    expect(stage?.members.map((m) => [m.key, m.requestId, m.attempt])).toEqual([
      ["S00/01/pos-client", "rel7-0-0-1", 1],
      ["S00/02/pos-client", "rel7-0-1-1", 1],
      ["S01/01/pos-client", "rel7-0-2-1", 1],
      ["S01/02/pos-client", "rel7-0-3-1", 1],
    ]);
    expect(plan.sends[0]).toEqual({
      key: "S00/01/pos-client",
      store: "S00",
      workstation: "01",
      function: "pos-client",
      version: "1.1.0",
      requestId: "rel7-0-0-1",
      why: "install",
    });
    expect(plan.events.find((e) => e.type === "stage-started")).toMatchObject({
      stage: "all",
      members: 4,
    });
    expect(plan.wakeAt).toBe(T0 + 2 * HOUR);
    expect(
      plan.release.history
        .slice(1)
        .map((h) => `${h.subject}: ${h.from} -> ${h.to} (${h.who}: ${h.reason})`),
    ).toEqual([
      "release: Ready -> Running (alice: started by alice)",
      "all: Pending -> Running (release runner: started: 4 rows)",
    ]);
  });

  it("an empty stage is Successful at once and the next stage goes on in the same plan", () => {
    const w = world(fleet(2, 1));
    const plan = start(
      { stages: [{ name: "nobody", target: { store: "X" } }, { name: "rest" }] },
      w,
    );
    expect(stageStates(plan.release)).toEqual(["Successful", "Running"]);
    expect(plan.release.stages[0]?.reason).toBe("no rows to update");
    expect(plan.sends).toHaveLength(2);
    expect(types(plan)).toEqual(["stage-started", "stage-ended", "stage-started"]);
  });

  it("every stage empty: the release is Successful, release-ended", () => {
    const plan = start({ stages: [{ name: "a" }, { name: "b" }] }, world([]));
    expect(plan.release.state).toBe("Successful");
    expect(plan.events.at(-1)).toMatchObject({
      type: "release-ended",
      state: "Successful",
      reason: "all 2 stages successful",
    });
  });

  it("a stage target narrows: the pilot stage sends only to its store", () => {
    const w = world([candidate("1001", "01"), candidate("1001", "02"), candidate("2002", "01")]);
    const plan = start(
      { stages: [{ name: "pilot", target: { store: "1001" } }, { name: "rest" }] },
      w,
    );
    expect(plan.sends.map((s) => s.key)).toEqual(["1001/01/pos-client", "1001/02/pos-client"]);
  });

  it("skipped rows are kept with their reasons and are not members", () => {
    const w = world([
      candidate("A", "01"),
      candidate("A", "02", { status: "In Progress", preferredVersion: "1.0.1" }),
      candidate("A", "03", { activeVersion: "1.1.0" }),
    ]);
    w.held.set("A/01/pos-client", { id: "3", name: "winter" });
    const plan = start({}, w);
    const stage = plan.release.stages[0];
    expect(stage?.members).toEqual([]);
    expect(stage?.skipped.map((s) => s.reason)).toEqual([
      'in release task 3 "winter"',
      expect.stringMatching(/In Progress/),
      "1.1.0 is already the active version",
    ]);
    expect(stage?.state).toBe("Successful");
  });
});

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

describe("planRelease: stages in order", () => {
  it("stage 2's checkpoint waits right after stage 1 ends, in the same plan", () => {
    const w = world(fleet(4, 1));
    const rel = start(
      {
        stages: [
          { name: "pilot", count: 1 },
          { name: "wave", checkpoint: "approval" },
        ],
      },
      w,
    ).release;
    answerAll(rel, w, "OK");
    const plan = run(rel, w);
    expect(stageStates(plan.release)).toEqual(["Successful", "Waiting for approval"]);
    expect(types(plan)).toEqual(["stage-ended", "stage-waiting"]);
  });

  it("a next stage without checkpoint needs candidates: the whole plan waits for them", () => {
    const w = world(fleet(4, 1));
    const rel = start({ stages: [{ name: "pilot", count: 1 }, { name: "rest" }] }, w).release;
    answerAll(rel, w, "OK");
    const candidates = w.candidates;
    w.candidates = null;
    const first = run(rel, w);
    expect(first).toMatchObject({ changed: false, needsCandidates: true, sends: [], events: [] });
    expect(first.release).toBe(rel);
    w.candidates = candidates;
    const second = run(rel, w);
    expect(stageStates(second.release)).toEqual(["Successful", "Running"]);
    expect(second.sends.map((s) => s.requestId)).toEqual([
      "rel7-1-0-1",
      "rel7-1-1-1",
      "rel7-1-2-1",
    ]);
  });

  it("planning twice from the same input gives identical plans (deterministic request ids)", () => {
    const w = world(fleet(5, 3));
    const rel = withStages(
      release({ stages: [{ name: "a", percent: 30 }, { name: "b" }], maxPerStore: 2 }),
      "Running",
      [],
    );
    expect(run(rel, w)).toEqual(run(rel, w));
  });
});
