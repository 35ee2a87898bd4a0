import { describe, expect, it } from "vitest";
import { parseLauncherRollback, parsePending } from "../../src/self-update/handover-files.js";
import { runningRelease } from "../../src/self-update/self-function.js";
import {
  describeLauncherRollback,
  type HandOverAction,
  handOverAction,
} from "../../src/self-update/self-update-plan.js";

describe("runningRelease: which agent release a script path belongs to", () => {
  it.each([
    ["/opt/t/tillroll-agent/releases/0.2.0/tillroll-agent.mjs", "0.2.0"],
    ["/opt/t/tillroll-agent/releases/0.2.0~r-1/tillroll-agent.mjs", "0.2.0~r-1"],
    ["/opt/t/tillroll-agent/current/tillroll-agent.mjs", null],
    ["/opt/t/tillroll-agent/releases/tillroll-agent.mjs", null],
    ["/opt/t/tillroll-agent/releases/0.2.0/sub/tillroll-agent.mjs", null],
    ["/opt/t/pos-client/releases/1.0.0/tillroll-agent.mjs", null],
    ["/usr/lib/tillroll-agent/tillroll-agent.mjs", null],
  ])("%s -> %s", (path, release) => {
    expect(runningRelease("/opt/t", path)).toBe(release);
  });
});

describe("handOverAction: what the agent does at the start step of its own update", () => {
  const rec = { to: "0.2.0", code: "3", exits: 3 };
  const cases: [string, Parameters<typeof handOverAction>[0], HandOverAction["kind"]][] = [
    [
      "old agent, nothing from the launcher",
      { running: "0.1.0", from: "0.1.0", to: "0.2.0", launcherRollback: null },
      "hand-over",
    ],
    [
      "new agent",
      { running: "0.2.0", from: "0.1.0", to: "0.2.0", launcherRollback: null },
      "confirm",
    ],
    [
      "old agent after the launcher went back",
      { running: "0.1.0", from: "0.1.0", to: "0.2.0", launcherRollback: rec },
      "rolled-back",
    ],
    [
      "a launcher record of another release is not this update's",
      { running: "0.1.0", from: "0.1.0", to: "0.2.0", launcherRollback: { ...rec, to: "0.3.0" } },
      "hand-over",
    ],
    [
      "the new agent never reads a record as its own rollback",
      { running: "0.2.0", from: "0.1.0", to: "0.2.0", launcherRollback: rec },
      "confirm",
    ],
    [
      "an agent run from elsewhere",
      { running: null, from: "0.1.0", to: "0.2.0", launcherRollback: null },
      "rollback",
    ],
    [
      "a third release",
      { running: "0.0.9", from: "0.1.0", to: "0.2.0", launcherRollback: null },
      "rollback",
    ],
  ];
  it.each(cases)("%s", (_name, input, kind) => {
    expect(handOverAction(input).kind).toBe(kind);
  });

  it("names the new version, its exit code and how often it died", () => {
    expect(describeLauncherRollback(rec, "0.2.0")).toBe(
      "new agent 0.2.0 exited before confirming (code 3, 3 times); the launcher went back to the previous agent",
    );
    expect(describeLauncherRollback({ ...rec, exits: 1 }, "0.2.0")).toContain("code 3, once");
    expect(describeLauncherRollback({ ...rec, code: "69" }, "0.2.0")).toBe(
      "new agent 0.2.0 exited before confirming (code 69, 3 times): it could not confirm in time (no broker connection); the launcher went back to the previous agent",
    );
  });
});

describe("the files shared with the launcher", () => {
  it.each([
    ["0.1.0 0.2.0", { from: "0.1.0", to: "0.2.0" }],
    ["0.1.0 0.2.0\n", { from: "0.1.0", to: "0.2.0" }],
    ["0.1.0", null],
    ["a b c", null],
    [null, null],
  ])("pending %j", (text, parsed) => {
    expect(parsePending(text === null ? null : text.trim())).toEqual(parsed);
  });
  it.each([
    ["0.2.0 3 3", { to: "0.2.0", code: "3", exits: 3 }],
    ["0.2.0 137 2", { to: "0.2.0", code: "137", exits: 2 }],
    ["0.2.0 3 x", null],
    ["0.2.0 3", null],
  ])("launcher-rollback %j", (text, parsed) => {
    expect(parseLauncherRollback(text)).toEqual(parsed);
  });
});
