import { describe, expect, it } from "vitest";
import { planOperation } from "../../src/releases/plan-operation.js";
import { planRelease } from "../../src/releases/plan-release.js";
import type { ReleasePlan, ReleaseRecord, ReleaseState } from "../../src/releases/release-model.js";
import {
  ALICE,
  answerAll,
  candidate,
  fleet,
  HOUR,
  input,
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
    "Scheduled",
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
