import { describe, expect, it } from "vitest";
import type { Operator } from "../../src/accounts/identity.js";
import { OPERATION_STATES } from "../../src/releases/plan-operation.js";
import { type ActionFacts, releaseActions } from "../../src/releases/release-actions.js";
import { RELEASE_STATES, type ReleaseState } from "../../src/releases/release-model.js";

/**
 * What a caller may do with a release task (issue 12), as the web console
 * shows it: state × role × four eyes × forced cancel. Each row lists the
 * actions that are true; every other one must be false.
 */

const olga: Operator = { name: "olga", role: "operator", scope: null };
const vera: Operator = { name: "vera", role: "viewer", scope: null };
const alex: Operator = { name: "alex", role: "approver", scope: null };
const ada: Operator = { name: "ada", role: "approver", scope: null }; // created the task
const pia: Operator = { name: "pia", role: "admin", scope: "DE" }; // a partner admin
const root: Operator = { name: "root", role: "admin", scope: null }; // the platform admin

const release = (
  state: ReleaseState,
  stage: ActionFacts["stages"][number]["state"] = "Running",
  forced = false,
): ActionFacts => ({
  state,
  createdBy: "ada",
  spec: { forced },
  stages: [{ state: "Successful" }, { state: stage }, { state: "Pending" }],
});

const trueOf = (facts: ActionFacts, who: Operator) =>
  Object.entries(releaseActions(facts, who))
    .filter(([, may]) => may)
    .map(([kind]) => kind)
    .sort();

describe("releaseActions", () => {
  it.each([
    ["a viewer, Running", release("Running"), vera, []],
    ["an operator, Ready", release("Ready", "Pending"), olga, ["cancel", "start"]],
    ["an operator, Scheduled", release("Scheduled", "Pending"), olga, ["cancel", "start"]],
    ["an operator, Running", release("Running"), olga, ["cancel", "pause", "retry"]],
    ["an operator, Paused", release("Paused"), olga, ["cancel", "resume", "rollback"]],
    ["an operator, Failed", release("Failed", "Failed"), olga, ["cancel", "retry", "rollback"]],
    ["an operator, Successful", release("Successful", "Successful"), olga, ["rollback"]],
    ["an operator, Rolled Back", release("Rolled Back", "Cancelled"), olga, ["rollback"]],
    [
      "an operator, waiting for a trigger",
      release("Running", "Waiting for trigger"),
      olga,
      ["cancel", "pause", "retry", "trigger"],
    ],
    [
      "an operator, waiting for approval (the role is too low)",
      release("Running", "Waiting for approval"),
      olga,
      ["cancel", "pause", "retry"],
    ],
    [
      "another approver, waiting for approval",
      release("Running", "Waiting for approval"),
      alex,
      ["approve", "cancel", "pause", "reject", "retry"],
    ],
    [
      "the approver who created it (four eyes)",
      release("Running", "Waiting for approval"),
      ada,
      ["cancel", "pause", "retry"],
    ],
    [
      "an approver, Running, nothing waits for approval",
      release("Running"),
      alex,
      ["cancel", "pause", "retry"],
    ],
    [
      "a partner admin, forced, Running",
      release("Running", "Running", true),
      pia,
      ["pause", "retry"],
    ],
    [
      "the platform admin, forced, Running",
      release("Running", "Running", true),
      root,
      ["cancel", "pause", "retry"],
    ],
    ["an operator, forced, Ready", release("Ready", "Pending", true), olga, ["start"]],
  ] as const)("%s", (_name, facts, who, expected) => {
    expect(trueOf(facts, who)).toEqual([...expected].sort());
  });

  it("never allows an operation the state refuses, for anyone", () => {
    for (const state of RELEASE_STATES) {
      for (const stage of ["Waiting for approval", "Waiting for trigger", "Running"] as const) {
        const actions = releaseActions(release(state, stage), root);
        for (const [kind, states] of Object.entries(OPERATION_STATES)) {
          if (!states.includes(state))
            expect(`${state} ${kind} ${actions[kind as "start"]}`).toBe(`${state} ${kind} false`);
        }
      }
    }
  });
});
