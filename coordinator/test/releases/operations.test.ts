import { describe, expect, it } from "vitest";
import { planRelease } from "../../src/releases/plan-release.js";
import type { ReleaseRecord } from "../../src/releases/release-model.js";
import { FLEET, inState, must, op, STAGES } from "./operation-fixtures.js";
import {
  ALICE,
  answer,
  candidate,
  HOUR,
  input,
  memberOf,
  release,
  T0,
  type World,
  world,
} from "./release-fixtures.js";

describe("approve, reject, trigger", () => {
  function waiting(): { rel: ReleaseRecord; w: World } {
    const w = FLEET();
    const running = must(op(release({ stages: STAGES }), w, { kind: "start" }, ALICE)).release;
    answer(running, w, "A/01/pos-client", "OK");
    answer(running, w, "A/02/pos-client", "OK");
    const rel = planRelease(input(running, w)).release;
    expect(rel.stages.map((s) => s.state)).toEqual([
      "Successful",
      "Waiting for approval",
      "Pending",
    ]);
    return { rel, w };
  }

  it("approve: decision with comment, stage Running by the approver, rows sent", () => {
    const { rel, w } = waiting();
    const plan = must(op(rel, w, { kind: "approve", comment: " ok to go " }));
    expect(plan.release.decisions).toEqual([
      {
        at: "2026-11-30T08:00:00.000Z",
        who: "bob",
        stage: "wave",
        verdict: "approved",
        comment: "ok to go",
      },
    ]);
    expect(plan.release.stages[1]?.state).toBe("Running");
    expect(plan.release.history.at(-1)).toMatchObject({
      who: "bob",
      subject: "wave",
      from: "Waiting for approval",
      to: "Running",
      reason: "approved by bob: ok to go: 3 rows",
    });
    expect(plan.sends.map((s) => s.key)).toEqual([
      "B/01/pos-client",
      "C/01/pos-client",
      "D/01/pos-client",
    ]);
  });

  it("approve refused by four eyes: the actor's text", () => {
    const { rel, w } = waiting();
    const result = op(
      rel,
      w,
      { kind: "approve", comment: "x" },
      {
        name: "alice",
        approvalRefused: "alice created the release task: another approver must approve",
      },
    );
    expect(result).toEqual({
      ok: false,
      error: "alice created the release task: another approver must approve",
    });
  });

  it.each(["approve", "reject"] as const)("%s needs a comment", (kind) => {
    const { rel, w } = waiting();
    expect(op(rel, w, { kind, comment: "  " })).toEqual({
      ok: false,
      error: `${kind} needs a comment (--comment TEXT)`,
    });
  });

  it("approve without candidates: needsCandidates, nothing changes", () => {
    const { rel, w } = waiting();
    w.candidates = null;
    const plan = must(op(rel, w, { kind: "approve", comment: "ok" }));
    expect(plan).toEqual({
      release: rel,
      changed: false,
      sends: [],
      events: [],
      needsCandidates: true,
      wakeAt: null,
    });
  });

  it("reject: stage and later stages Cancelled, release Rejected, nothing sent", () => {
    const { rel, w } = waiting();
    const plan = must(op(rel, w, { kind: "reject", comment: "too risky" }));
    expect(plan.release.state).toBe("Rejected");
    expect(plan.release.stages.map((s) => s.state)).toEqual([
      "Successful",
      "Cancelled",
      "Cancelled",
    ]);
    expect(plan.release.decisions.at(-1)).toMatchObject({
      verdict: "rejected",
      comment: "too risky",
    });
    expect(plan.sends).toEqual([]);
    expect(plan.events.map((e) => e.type)).toEqual(["stage-ended", "release-ended"]);
    expect(plan.events.at(-1)).toMatchObject({
      state: "Rejected",
      reason: "stage wave rejected by bob: too risky",
    });
  });

  it("trigger: decision triggered, stage Running", () => {
    const { rel, w } = waiting();
    const approved = must(op(rel, w, { kind: "approve", comment: "ok" })).release;
    for (const key of ["B/01", "C/01", "D/01"]) answer(approved, w, `${key}/pos-client`, "OK");
    const wait = planRelease(input(approved, w)).release;
    expect(wait.stages[2]?.state).toBe("Waiting for trigger");
    const plan = must(op(wait, w, { kind: "trigger" }, ALICE));
    expect(plan.release.decisions.at(-1)).toMatchObject({
      who: "alice",
      stage: "rest",
      verdict: "triggered",
      comment: null,
    });
    // No rows left for "rest": it is Successful at once, and so is the release.
    expect(plan.release.stages[2]?.reason).toBe("no rows to update");
    expect(plan.release.state).toBe("Successful");
  });
});

describe("retry", () => {
  it("Failed, Rolled Back and timed-out rows get a new request: attempt + 1, new ids, why retry", () => {
    const w = world([
      candidate("A", "01"),
      candidate("A", "02"),
      candidate("A", "03"),
      candidate("A", "04"),
    ]);
    const running = must(
      op(release({ errorThreshold: "100%", stageTimeout: "1h" }), w, { kind: "start" }, ALICE),
    ).release;
    answer(running, w, "A/01/pos-client", "Failed");
    answer(running, w, "A/02/pos-client", "Rolled Back");
    answer(running, w, "A/04/pos-client", "In Progress");
    w.now = T0 + HOUR; // A/03 never answered: timed out
    const first = running.stages[0]?.members.map((m) => m.requestId);
    const plan = must(op(running, w, { kind: "retry" }));
    expect(plan.sends.map((s) => [s.key, s.requestId, s.why])).toEqual([
      ["A/01/pos-client", "rel7-0-0-2", "retry"],
      ["A/02/pos-client", "rel7-0-1-2", "retry"],
      ["A/03/pos-client", "rel7-0-2-2", "retry"],
    ]);
    for (const send of plan.sends) expect(first).not.toContain(send.requestId);
    expect(memberOf(plan.release, "A/01/pos-client")).toMatchObject({
      attempt: 2,
      sentAt: "2026-11-30T09:00:00.000Z",
    });
    expect(memberOf(plan.release, "A/04/pos-client")).toMatchObject({
      attempt: 1,
      requestId: "rel7-0-3-1",
    });
    expect(plan.release.state).toBe("Running");
  });

  it("a Failed stage and release run again", () => {
    const { rel, w } = inState("Failed");
    const plan = must(op(rel, w, { kind: "retry" }));
    expect(plan.release.stages[0]?.state).toBe("Running");
    expect(plan.release.history.slice(-2).map((h) => `${h.subject} ${h.from} -> ${h.to}`)).toEqual([
      "pilot Failed -> Running",
      "release Failed -> Running",
    ]);
  });

  it("refused when nothing failed", () => {
    const w = FLEET();
    const running = must(op(release({ stages: STAGES }), w, { kind: "start" }, ALICE)).release;
    expect(op(running, w, { kind: "retry" })).toEqual({
      ok: false,
      error: "the release task is Running: no Failed, Rolled Back or timed-out rows to retry",
    });
  });
});

describe("rollback", () => {
  it("sends previous versions, skips In Progress until a second rollback, never sends one twice", () => {
    const { rel: failed, w } = inState("Failed");
    const first = must(op(failed, w, { kind: "rollback" }));
    expect(first.sends).toEqual([
      {
        key: "A/01/pos-client",
        store: "A",
        workstation: "01",
        function: "pos-client",
        version: "1.0.0",
        requestId: "rel7-rb-0-0",
        why: "rollback",
      },
    ]);
    expect(first.release.stages.map((s) => s.state)).toEqual(["Failed", "Cancelled", "Cancelled"]);
    expect(first.events.at(-1)).toMatchObject({ type: "release-ended", state: "Rolled Back" });
    answer(first.release, w, "A/02/pos-client", "OK");
    const second = must(op(first.release, w, { kind: "rollback" }));
    expect(second.sends.map((s) => s.key)).toEqual(["A/02/pos-client"]);
    expect(second.release.rolledBack).toEqual(["A/01/pos-client", "A/02/pos-client"]);
    expect(second.release.history.at(-1)).toMatchObject({ from: "Rolled Back", to: "Rolled Back" });
    expect(second.events).toEqual([]);
  });

  it("a row with nothing installed before is skipped", () => {
    const w = world([candidate("A", "01", { activeVersion: null })]);
    const running = must(op(release(), w, { kind: "start" }, ALICE)).release;
    const paused = must(op(running, w, { kind: "pause" })).release;
    const plan = must(op(paused, w, { kind: "rollback" }));
    expect(plan.sends).toEqual([]);
    expect(plan.release.history.at(-1)?.reason).toBe(
      "rolled back by bob: 0 rows sent their previous version; 1 skipped: nothing was installed before the release",
    );
    expect(plan.release.stages[0]?.state).toBe("Cancelled");
  });
});

describe("cancel", () => {
  it("only rows not started get version null; In Progress, OK and Failed rows are left; unsent rows are never sent", () => {
    const w = world(["01", "02", "03", "04", "05", "06"].map((ws) => candidate("A", ws)));
    const running = must(op(release({ maxPerStore: 5 }), w, { kind: "start" }, ALICE)).release;
    answer(running, w, "A/01/pos-client", "Prepared");
    answer(running, w, "A/02/pos-client", "Not Ready");
    answer(running, w, "A/03/pos-client", "In Progress");
    answer(running, w, "A/04/pos-client", "OK");
    // A/05: sent, not acknowledged (offline): not started either. A/06: never sent.
    const plan = must(op(running, w, { kind: "cancel" }));
    expect(plan.sends).toEqual(
      ["01", "02", "05"].map((ws) => ({
        key: `A/${ws}/pos-client`,
        store: "A",
        workstation: ws,
        function: "pos-client",
        version: null,
        requestId: null,
        why: "cancel",
      })),
    );
    expect(plan.release.state).toBe("Cancelled");
    expect(plan.release.stages[0]?.state).toBe("Cancelled");
    expect(plan.events.map((e) => e.type)).toEqual(["stage-ended", "release-ended"]);
  });

  it("Ready: nothing sent, stages Cancelled", () => {
    const w = FLEET();
    const plan = must(op(release({ stages: STAGES }), w, { kind: "cancel" }));
    expect(plan.sends).toEqual([]);
    expect(plan.release.stages.map((s) => s.state)).toEqual([
      "Cancelled",
      "Cancelled",
      "Cancelled",
    ]);
  });
});

describe("pause and resume", () => {
  it("nothing is sent while Paused; resume goes on", () => {
    const w = world(["01", "02"].map((ws) => candidate("A", ws)));
    const running = must(op(release({ maxPerStore: 1 }), w, { kind: "start" }, ALICE)).release;
    answer(running, w, "A/01/pos-client", "OK");
    const paused = must(op(running, w, { kind: "pause" }));
    expect(paused.sends).toEqual([]);
    expect(paused.wakeAt).toBeNull();
    expect(planRelease(input(paused.release, w)).sends).toEqual([]);
    const resumed = must(op(paused.release, w, { kind: "resume" }));
    expect(resumed.sends.map((s) => s.key)).toEqual(["A/02/pos-client"]);
  });
});
