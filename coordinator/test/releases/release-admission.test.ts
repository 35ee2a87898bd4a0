import { describe, expect, it } from "vitest";
import { planOperation } from "../../src/releases/plan-operation.js";
import {
  blackoutCancels,
  downgradeCheck,
  dueStarts,
  taskFacts,
} from "../../src/releases/release-admission.js";
import { blackoutOver } from "../../src/releases/release-context.js";
import type { BlackoutFact, ReleaseRecord } from "../../src/releases/release-model.js";
import {
  cancelledNotice,
  plannedNotice,
  releaseEventNotices,
} from "../../src/releases/release-notices.js";
import { blackoutCoversGroup } from "../../src/schedules/blackout-cover.js";
import { BOB, candidate, input, iso, release, T0, world } from "./release-fixtures.js";

/** Issue 11's pure decisions around a task's start. */

const rows = (...versions: (string | null)[]) =>
  versions.map((activeVersion) => ({ activeVersion }));

describe("downgradeCheck", () => {
  it("no row on a newer version: no refusal, no warning", () => {
    expect(
      downgradeCheck({ version: "1.1.0", allowDowngrade: false }, rows("1.0.0", "1.1.0", null)),
    ).toEqual({ ok: true, warnings: [] });
  });
  it("refused without allowDowngrade, naming versions, rows and the flag", () => {
    const many = rows(...Array.from({ length: 12 }, () => "1.1.0"), "1.0.0");
    expect(downgradeCheck({ version: "1.0.0", allowDowngrade: false }, many)).toEqual({
      ok: false,
      error:
        'version 1.0.0 is older than the active 1.1.0 on 12 rows: compatibility with older versions is not guaranteed; create it with --allow-downgrade (API "allowDowngrade": true)',
    });
  });
  it("with allowDowngrade: created with the warning", () => {
    const many = rows(...Array.from({ length: 12 }, () => "1.1.0"));
    expect(downgradeCheck({ version: "1.0.0", allowDowngrade: true }, many)).toEqual({
      ok: true,
      warnings: [
        "compatibility with older versions is not guaranteed: 12 rows go back from 1.1.0 to 1.0.0",
      ],
    });
  });
  it("one row, several newer versions (newest first); prerelease order by semver", () => {
    expect(downgradeCheck({ version: "1.0.0", allowDowngrade: true }, rows("1.0.1"))).toEqual({
      ok: true,
      warnings: [
        "compatibility with older versions is not guaranteed: 1 row goes back from 1.0.1 to 1.0.0",
      ],
    });
    const r = downgradeCheck({ version: "1.0.0", allowDowngrade: false }, rows("1.2.0", "1.1.0"));
    expect(r.ok ? "" : r.error).toMatch(
      /^version 1.0.0 is older than the active 1.2.0, 1.1.0 on 2 rows/,
    );
    expect(downgradeCheck({ version: "1.1.0", allowDowngrade: false }, rows("1.1.0-rc.1")).ok).toBe(
      true,
    );
  });
});

const at = (
  id: string,
  when: string,
  state: ReleaseRecord["state"] = "Scheduled",
): ReleaseRecord => ({
  ...release({ schedule: { mode: "at", at: when } }, id),
  state,
});

describe("dueStarts: due time, then id; reasons", () => {
  const now = T0 + 60_000;
  it("immediately/window Ready when created; Scheduled once its time came; others never", () => {
    const releases = [
      release({ schedule: { mode: "immediately" } }, "5"),
      release({ schedule: { mode: "window" } }, "4"),
      release({}, "6"),
      at("3", iso(T0 - 60_000)),
      at("10", iso(T0 - 60_000)),
      at("2", iso(now)),
      at("1", iso(now + 1)),
      at("9", iso(T0 - 60_000), "Cancelled"),
      { ...release({ schedule: { mode: "immediately" } }, "8"), state: "Running" as const },
    ];
    expect(dueStarts(releases, now, new Set(["10"]))).toEqual([
      { id: "3", due: T0 - 60_000, reason: `schedule: at ${iso(T0 - 60_000)}` },
      {
        id: "10",
        due: T0 - 60_000,
        reason: `start missed at ${iso(T0 - 60_000)} while the coordinator was down: starting now`,
      },
      { id: "4", due: T0, reason: "schedule: window" },
      { id: "5", due: T0, reason: "schedule: immediately" },
      { id: "2", due: now, reason: `schedule: at ${iso(now)}` },
    ]);
  });
});

const blackout = (group: string | null, from: string, to: string, id = "2"): BlackoutFact => ({
  id,
  from,
  to,
  reason: "Christmas freeze",
  group,
});

describe("blackouts and tasks", () => {
  it.each([
    [null, null, true],
    [null, "DE", true],
    ["DE", "DE", true],
    ["DE", "DE/North", true],
    ["DE", "DEX", false],
    ["DE/North", "DE", false],
    ["DE", null, false],
  ])("blackout group %s covers row group %s: %s", (b, r, covers) => {
    expect(blackoutCoversGroup({ group: b }, r)).toBe(covers);
  });

  const xmas = blackout("DE", "2026-12-20T00:00:00Z", "2026-12-27T00:00:00Z");
  it.each([
    ["2026-12-24T02:00:00+01:00", ["DE/North"], "Scheduled", true],
    ["2026-12-20T00:00:00Z", ["DE"], "Scheduled", true],
    ["2026-12-27T00:00:00Z", ["DE"], "Scheduled", false],
    ["2026-12-19T23:59:59Z", ["DE"], "Scheduled", false],
    ["2026-12-24T02:00:00Z", ["AT"], "Scheduled", false],
    ["2026-12-24T02:00:00Z", ["DE"], "Cancelled", false],
  ] as const)("task at %s over %j (%s) cancelled: %s", (when, groups, state, cancels) => {
    expect(blackoutCancels(at("3", when, state), groups, xmas)).toBe(cancels);
  });
  it("a platform blackout cancels a task whatever its rows", () => {
    const platform = blackout(null, "2026-12-20T00:00:00Z", "2026-12-27T00:00:00Z");
    expect(blackoutCancels(at("3", "2026-12-24T02:00:00Z"), [], platform)).toBe(true);
  });
  it("blackoutOver: the lowest id covering any group; none given asks the platform's", () => {
    const b2 = blackout("DE", "x", "y", "2");
    const b10 = blackout(null, "x", "y", "10");
    const facts = {
      blackoutsAt: (group: string | null) => (group === "DE" ? [b10, b2] : [b10]),
    };
    expect(blackoutOver(facts, ["AT", "DE"], 0)).toBe(b2);
    expect(blackoutOver(facts, [], 0)).toBe(b10);
    expect(blackoutOver({ blackoutsAt: () => [] }, ["DE"], 0)).toBeUndefined();
  });
});

describe("forced: only the platform admin cancels", () => {
  const w = world([candidate("A", "01")]);
  const forced = release({ forced: true });
  it("refused for others, naming the rule", () => {
    expect(planOperation(input(forced, w), { kind: "cancel" }, BOB)).toEqual({
      ok: false,
      error: "release 7 is forced: only the platform admin may cancel it",
    });
  });
  it("the platform admin cancels it; a not forced one anyone allowed may", () => {
    const byAdmin = planOperation(
      input(forced, w),
      { kind: "cancel" },
      { ...BOB, platformAdmin: true },
    );
    expect(byAdmin.ok && byAdmin.value.release.state).toBe("Cancelled");
    const plain = planOperation(input(release(), w), { kind: "cancel" }, BOB);
    expect(plain.ok && plain.value.release.state).toBe("Cancelled");
  });
  it("other operations on a forced task are not restricted", () => {
    const started = planOperation(input(forced, w), { kind: "start" }, BOB);
    expect(started.ok && started.value.release.state).toBe("Running");
  });
  it("a cancel's given reason (a blackout) is the history's reason", () => {
    const plan = planOperation(
      input(forced, w),
      { kind: "cancel", reason: "cancelled by root: blackout 2 covers its start" },
      { ...BOB, platformAdmin: true },
    );
    expect(plan.ok && plan.value.release.history.at(-1)?.reason).toMatch(
      /^cancelled by root: blackout 2 covers its start: 0 rows not started/,
    );
  });
});

describe("notices of a task", () => {
  const rel = release(
    { schedule: { mode: "at", at: "2026-12-01T02:00:00+01:00" }, notify: { storeContacts: true } },
    "3",
  );
  const targets = [
    { store: "1002", group: "DE/North" },
    { store: "1001", group: "DE/North" },
    { store: "1001", group: "DE/North" },
    { store: "2001", group: null },
    { store: "3001", group: "AT" },
  ];
  it("taskFacts: groups and stores of the target rows, each once, sorted; at in UTC", () => {
    expect(taskFacts(rel, targets)).toEqual({
      id: "3",
      name: "spring",
      function: "pos-client",
      version: "1.1.0",
      mode: "at",
      at: "2026-12-01T01:00:00.000Z",
      forced: false,
      redeploy: false,
      createdBy: "alice",
      groups: ["AT", "DE/North"],
      stores: ["1001", "1002", "2001", "3001"],
      notify: { partnerAdmins: true, storeContacts: true },
    });
  });
  it("task.planned once per task (key rel{id}-task.planned)", () => {
    expect(plannedNotice(taskFacts(rel, [])).key).toBe("rel3-task.planned");
  });
  it("task.cancelled when the plan cancelled it, by whom and why", () => {
    const w = world([candidate("A", "01")]);
    const plan = planOperation(input(rel, w), { kind: "cancel" }, BOB);
    if (!plan.ok) throw new Error(plan.error);
    const notice = cancelledNotice(rel, plan.value.release, () => taskFacts(rel, []));
    expect(notice).toMatchObject({
      key: "rel3-task.cancelled",
      notice: {
        event: "task.cancelled",
        by: "bob",
        reason: expect.stringMatching(/^cancelled by bob/),
      },
    });
    expect(
      cancelledNotice(plan.value.release, plan.value.release, () => taskFacts(rel, [])),
    ).toBeNull();
  });
  it("release events keyed rel{id}-h{historyLength}-{event}-{stage}", () => {
    const w = world([candidate("A", "01")]);
    const plan = planOperation(input(release({}, "3"), w), { kind: "start" }, BOB);
    if (!plan.ok) throw new Error(plan.error);
    const after = plan.value.release;
    const notices = releaseEventNotices(after, plan.value.events);
    expect(notices.map((n) => n.key)).toEqual([
      `rel3-h${after.history.length}-release.stage-started-all`,
    ]);
    expect(notices[0]?.notice).toEqual({
      event: "release.stage-started",
      release: { type: "stage-started", at: iso(T0), release: "3", stage: "all", members: 1 },
    });
    // Planned again from the same record (after a crash): the same keys.
    const again = planOperation(input(release({}, "3"), w), { kind: "start" }, BOB);
    if (!again.ok) throw new Error(again.error);
    expect(releaseEventNotices(again.value.release, again.value.events)).toEqual(notices);
  });
});
