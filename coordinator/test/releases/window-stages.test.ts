import type { MaintenanceWindow } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { memberOutcome, outcomeRules } from "../../src/releases/member-outcome.js";
import { planOperation } from "../../src/releases/plan-operation.js";
import { planRelease } from "../../src/releases/plan-release.js";
import { LACKS_REDEPLOY, LACKS_WINDOW } from "../../src/releases/release-context.js";
import type {
  BlackoutFact,
  PlanInput,
  ReleaseContext,
  ReleaseRecord,
} from "../../src/releases/release-model.js";
import {
  ALICE,
  answer,
  candidate,
  HOUR,
  input,
  iso,
  MINUTE,
  member,
  obs,
  release,
  spec,
  T0,
  type World,
  world,
} from "./release-fixtures.js";

/**
 * Issue 11 in the planner (pure, no calculus: windows and deadlines are
 * handed in as plain functions): window-mode stages, capabilities,
 * redeploy, blackout holds, window-time timeouts.
 */

const BERLIN: MaintenanceWindow = {
  tz: "Europe/Berlin",
  days: ["mon"],
  start: "02:00",
  durationMinutes: 180,
};
const NY: MaintenanceWindow = {
  tz: "America/New_York",
  days: ["sat"],
  start: "23:00",
  durationMinutes: 60,
};

/** A stand-in window calculus: the deadline is fromMs + 3 × budget (two thirds of time closed). */
const slowDeadline = (_w: MaintenanceWindow, from: number, budget: number) => from + 3 * budget;

function context(more: Partial<ReleaseContext> = {}): ReleaseContext {
  return {
    windowFor: (store) => (store === "A" ? BERLIN : store === "B" ? NY : null),
    blackoutsAt: () => [],
    capabilitiesOf: (_store, workstation) => (workstation === "09" ? null : ["window", "redeploy"]),
    windowDeadline: slowDeadline,
    ...more,
  };
}

const withContext = (rel: ReleaseRecord, w: World, ctx: ReleaseContext): PlanInput => ({
  ...input(rel, w),
  context: ctx,
});

function start(fields: Record<string, unknown>, w: World, ctx: ReleaseContext) {
  const plan = planOperation(withContext(release(fields), w, ctx), { kind: "start" }, ALICE);
  if (!plan.ok) throw new Error(plan.error);
  return plan.value;
}

describe("window mode: stage start", () => {
  const w = () =>
    world([candidate("A", "01"), candidate("A", "09"), candidate("B", "01"), candidate("C", "01")]);
  const plan = start({ schedule: { mode: "window" } }, w(), context());
  const stage = plan.release.stages[0];

  it("skips rows without a window and rows whose agent lacks the capability, with reasons", () => {
    expect(stage?.skipped).toEqual([
      { key: "A/09/pos-client", reason: LACKS_WINDOW },
      {
        key: "C/01/pos-client",
        reason: "store C has no maintenance window (schedule mode window)",
      },
    ]);
    expect(LACKS_WINDOW).toBe(
      "agent does not understand maintenance windows (update tillroll-agent)",
    );
  });
  it("each member keeps its store's window and is sent with it", () => {
    expect(stage?.members.map((m) => [m.key, m.window])).toEqual([
      ["A/01/pos-client", BERLIN],
      ["B/01/pos-client", NY],
    ]);
    expect(plan.sends.map((s) => [s.key, s.window, s.redeploy])).toEqual([
      ["A/01/pos-client", BERLIN, undefined],
      ["B/01/pos-client", NY, undefined],
    ]);
  });
  it("without a window mode nothing is asked of windows or capabilities", () => {
    const plain = start({}, w(), context());
    expect(plain.release.stages[0]?.skipped).toEqual([]);
    expect(plain.sends.every((s) => s.window === undefined)).toBe(true);
  });
});

describe("window mode: the timeout counts only window time", () => {
  const rules = { ...outcomeRules(spec({ stageTimeout: "1h" }), 0), windowDeadline: slowDeadline };
  const sent = member("A/01/pos-client", { requestId: "q1", sentAt: T0 });
  const windowed = { ...sent, window: BERLIN };
  it.each([
    ["plain, before sentAt + timeout", sent, T0 + HOUR - 1, "Prepared"],
    ["plain, at sentAt + timeout", sent, T0 + HOUR, "timed out"],
    ["window, past sentAt + timeout: still waiting", windowed, T0 + HOUR, "Prepared"],
    ["window, 1 ms before its deadline", windowed, T0 + 3 * HOUR - 1, "Prepared"],
    ["window, at its deadline", windowed, T0 + 3 * HOUR, "timed out"],
  ])("%s", (_name, m, now, outcome) => {
    const prepared = obs("Prepared", "q1", {
      reason: "waiting for the maintenance window (opens 02:00 Europe/Berlin)",
    });
    expect(memberOutcome(m, prepared, { ...rules, now })).toBe(outcome);
    // Not acknowledged at all (offline): the same budget.
    expect(memberOutcome(m, undefined, { ...rules, now })).toBe(outcome);
  });

  it("a stage with a windowed member waiting past stageTimeout neither fails nor times out", () => {
    const wd = world([candidate("A", "01")]);
    const ctx = context();
    const started = start({ schedule: { mode: "window" }, stageTimeout: "1h" }, wd, ctx).release;
    answer(started, wd, "A/01/pos-client", "Prepared");
    wd.now = T0 + 2 * HOUR;
    const plan = planRelease(withContext(started, wd, ctx));
    expect(plan.release.state).toBe("Running");
    expect(plan.wakeAt).toBe(T0 + 3 * HOUR);
    wd.now = T0 + 3 * HOUR;
    expect(planRelease(withContext(started, wd, ctx)).release.state).toBe("Failed");
  });
});

describe("redeploy", () => {
  const onVersion = { activeVersion: "1.1.0" };
  it("rows already on the version are members, sent with redeploy: true and a new request", () => {
    const wd = world([candidate("A", "01", onVersion), candidate("A", "02")]);
    const plan = start({ redeploy: true }, wd, context());
    expect(plan.release.stages[0]?.skipped).toEqual([]);
    expect(plan.sends.map((s) => [s.key, s.requestId, s.redeploy])).toEqual([
      ["A/01/pos-client", "rel7-0-0-1", true],
      ["A/02/pos-client", "rel7-0-1-1", true],
    ]);
  });
  it("without redeploy they are skipped as already active", () => {
    const wd = world([candidate("A", "01", onVersion)]);
    expect(start({}, wd, context()).release.stages[0]?.skipped).toEqual([
      { key: "A/01/pos-client", reason: "1.1.0 is already the active version" },
    ]);
  });
  it("an agent that does not understand redeploy, and an In Progress row, are skipped", () => {
    const wd = world([
      candidate("A", "09", onVersion),
      candidate("A", "03", { ...onVersion, status: "In Progress", preferredVersion: "1.1.0" }),
    ]);
    const skipped = start({ redeploy: true }, wd, context()).release.stages[0]?.skipped;
    expect(skipped?.find((r) => r.key === "A/09/pos-client")?.reason).toBe(LACKS_REDEPLOY);
    expect(skipped?.find((r) => r.key === "A/03/pos-client")?.reason).toMatch(/In Progress/);
  });
  it("a retry of a redeploy is sent with redeploy too", () => {
    const wd = world([candidate("A", "01", onVersion)]);
    const ctx = context();
    const started = start({ redeploy: true }, wd, ctx).release;
    answer(started, wd, "A/01/pos-client", "Failed");
    const failed = planRelease(withContext(started, wd, ctx)).release;
    const retried = planOperation(withContext(failed, wd, ctx), { kind: "retry" }, ALICE);
    expect(retried.ok && retried.value.sends.map((s) => [s.requestId, s.redeploy])).toEqual([
      ["rel7-0-0-2", true],
    ]);
  });
});

describe("blackouts hold members", () => {
  const xmas: BlackoutFact = {
    id: "2",
    from: iso(T0 - HOUR),
    to: iso(T0 + HOUR),
    reason: "Christmas freeze",
    group: "DE",
  };
  const ctx = context({
    blackoutsAt: (group, at) =>
      (group === "DE" || group?.startsWith("DE/")) && at >= T0 - HOUR && at < T0 + HOUR
        ? [xmas]
        : [],
  });
  const fleetDE = () => world([candidate("A", "01"), candidate("B", "01", { group: "AT" })]);

  it("members the blackout covers are not sent; the stage says why and wakes at its end", () => {
    const wd = fleetDE();
    const plan = start({}, wd, ctx);
    expect(plan.sends.map((s) => s.key)).toEqual(["B/01/pos-client"]);
    const stage = plan.release.stages[0];
    expect(stage?.state).toBe("Running");
    expect(stage?.reason).toBe(`waiting: blackout 2 (Christmas freeze) until ${xmas.to}`);
    expect(stage?.members.find((m) => m.key === "A/01/pos-client")?.requestId).toBeNull();
    expect(plan.wakeAt).toBe(T0 + HOUR);
  });
  it("a stage whose every member is held waits: no failure, no timeout, however long", () => {
    const wd = world([candidate("A", "01")]);
    const started = start({ stageTimeout: "1s" }, wd, ctx).release;
    wd.now = T0 + HOUR - 1;
    const plan = planRelease(withContext(started, wd, ctx));
    expect(plan.release.state).toBe("Running");
    expect(plan.sends).toEqual([]);
  });
  it("once it ends the members are sent and the stage's reason is its start's again", () => {
    const wd = fleetDE();
    const started = start({}, wd, ctx).release;
    wd.now = T0 + HOUR;
    const plan = planRelease(withContext(started, wd, ctx));
    expect(plan.sends.map((s) => s.key)).toEqual(["A/01/pos-client"]);
    expect(plan.release.stages[0]?.reason).toBe("started: 2 rows");
  });
  it("a platform blackout (group null) holds rows without a group too", () => {
    const platform = { ...xmas, group: null };
    const wd = world([candidate("A", "01", { group: null })]);
    const plan = start({}, wd, context({ blackoutsAt: () => [platform] }));
    expect(plan.sends).toEqual([]);
    expect(plan.release.stages[0]?.reason).toMatch(/^waiting: blackout 2/);
  });
  it("unchanged holds change nothing (no rewrite of the record)", () => {
    const wd = world([candidate("A", "01")]);
    const started = start({}, wd, ctx).release;
    wd.now = T0 + MINUTE;
    expect(planRelease(withContext(started, wd, ctx)).changed).toBe(false);
  });
});
