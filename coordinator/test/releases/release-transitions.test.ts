import { describe, expect, it } from "vitest";
import { newRelease } from "../../src/releases/new-release.js";
import { RELEASE_STATES, STAGE_STATES } from "../../src/releases/release-model.js";
import {
  isReleaseTransition,
  isStageTransition,
  RELEASE_TRANSITIONS,
  releaseEntry,
  STAGE_TRANSITIONS,
  stageEntry,
} from "../../src/releases/release-transitions.js";
import { spec, T0 } from "./release-fixtures.js";

const AT = "2026-11-30T08:00:00.000Z";

describe("release transitions table", () => {
  const allowed = [
    "- -> Ready",
    "- -> Scheduled",
    "Scheduled -> Running",
    "Scheduled -> Cancelled",
    "Ready -> Running",
    "Ready -> Cancelled",
    "Running -> Paused",
    "Running -> Successful",
    "Running -> Failed",
    "Running -> Rolled Back",
    "Running -> Rejected",
    "Running -> Cancelled",
    "Paused -> Running",
    "Paused -> Cancelled",
    "Paused -> Rolled Back",
    "Failed -> Running",
    "Failed -> Cancelled",
    "Failed -> Rolled Back",
    "Successful -> Rolled Back",
    "Rejected -> Rolled Back",
    "Cancelled -> Rolled Back",
    "Rolled Back -> Rolled Back",
  ];

  it("lists exactly the allowed release changes", () => {
    expect(RELEASE_TRANSITIONS.map((t) => `${t.from} -> ${t.to}`).sort()).toEqual(
      [...allowed].sort(),
    );
  });

  const pairs = (["-", ...RELEASE_STATES] as const).flatMap((from) =>
    RELEASE_STATES.map((to) => ({ from, to, ok: allowed.includes(`${from} -> ${to}`) })),
  );
  it.each(pairs)("$from -> $to allowed: $ok", ({ from, to, ok }) => {
    expect(isReleaseTransition(from, to)).toBe(ok);
    if (ok) {
      expect(releaseEntry(from, to, "why", "bob", AT)).toEqual({
        at: AT,
        who: "bob",
        subject: "release",
        from,
        to,
        reason: "why",
      });
    } else {
      expect(() => releaseEntry(from, to, "why", "bob", AT)).toThrow(
        `release transition ${from} -> ${to} is not allowed`,
      );
    }
  });
});

describe("stage transitions table", () => {
  const allowed = [
    "Pending -> Waiting for approval",
    "Pending -> Waiting for trigger",
    "Pending -> Running",
    "Pending -> Cancelled",
    "Waiting for approval -> Running",
    "Waiting for approval -> Cancelled",
    "Waiting for trigger -> Running",
    "Waiting for trigger -> Cancelled",
    "Running -> Successful",
    "Running -> Failed",
    "Running -> Cancelled",
    "Failed -> Running",
  ];

  it("lists exactly the allowed stage changes", () => {
    expect(STAGE_TRANSITIONS.map((t) => `${t.from} -> ${t.to}`).sort()).toEqual(
      [...allowed].sort(),
    );
  });

  const pairs = STAGE_STATES.flatMap((from) =>
    STAGE_STATES.map((to) => ({ from, to, ok: allowed.includes(`${from} -> ${to}`) })),
  );
  it.each(pairs)("$from -> $to allowed: $ok", ({ from, to, ok }) => {
    expect(isStageTransition(from, to)).toBe(ok);
    if (ok) expect(stageEntry("pilot", from, to, "why", "bob", AT).subject).toBe("pilot");
    else expect(() => stageEntry("pilot", from, to, "why", "bob", AT)).toThrow(/not allowed/);
  });
});

describe("newRelease", () => {
  it("is Ready, every stage Pending and empty, history - -> Ready by its creator, task.planned owed", () => {
    const s = spec({ stages: [{ name: "pilot" }, { name: "rest", checkpoint: "trigger" }] });
    expect(newRelease("3", s, "alice", T0)).toEqual({
      id: "3",
      spec: s,
      state: "Ready",
      createdBy: "alice",
      createdAt: AT,
      stages: ["pilot", "rest"].map((name) => ({
        name,
        state: "Pending",
        startedAt: null,
        endedAt: null,
        reason: null,
        members: [],
        skipped: [],
      })),
      history: [
        { at: AT, who: "alice", subject: "release", from: "-", to: "Ready", reason: "created" },
      ],
      decisions: [],
      rolledBack: [],
      noticesPending: ["task.planned"],
    });
  });
});
