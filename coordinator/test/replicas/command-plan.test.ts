import { describe, expect, it } from "vitest";
import { type CommandState, followerStep, routeCommand } from "../../src/replicas/command-plan.js";

describe("routeCommand", () => {
  it.each([
    ["single", "local"],
    ["leader", "local"],
    ["follower", "forward"],
  ] as const)("%s -> %s", (role, route) => {
    expect(routeCommand(role)).toBe(route);
  });
});

describe("followerStep", () => {
  const refuse = {
    kind: "refuse",
    error: "no leader replica carried out the command within 10 s; nothing changed; try again",
  };
  const unknown = {
    kind: "unknown",
    error:
      "the leader replica took the command but gave no answer within 10 s more (did it stop?); it may have been carried out: look at the release task before trying again",
  };
  it.each([
    // The wait ended with the result there (told, or found by the last read).
    [false, "done", false, { kind: "answer" }],
    [false, "done", true, { kind: "answer" }],
    // Abandoned by this follower: no leader will ever run it.
    [true, "abandoned", false, refuse],
    [false, "abandoned", false, refuse],
    [false, undefined, false, refuse],
    // The leader claimed it between the timeout and the abandon: wait for its result once more.
    [false, "claimed", false, { kind: "wait" }],
    // Still claimed after that: it may have been carried out.
    [false, "claimed", true, unknown],
    [false, "pending", true, unknown],
  ] as const)("abandoned %s, state %s, second wait %s", (abandoned, state, secondWait, step) => {
    expect(
      followerStep({
        abandoned,
        state: state as CommandState | undefined,
        secondWait,
        timeoutMs: 10_000,
      }),
    ).toEqual(step);
  });

  it("names a short timeout in milliseconds", () => {
    expect(
      followerStep({ abandoned: true, state: "abandoned", secondWait: false, timeoutMs: 1_500 }),
    ).toEqual({
      kind: "refuse",
      error: "no leader replica carried out the command within 1500 ms; nothing changed; try again",
    });
  });
});
