import { describe, expect, it } from "vitest";
import type {
  ReleaseOperation,
  ReleaseOperationKind,
  ReleaseState,
} from "../../src/releases/release-model.js";
import { RELEASE_STATES } from "../../src/releases/release-model.js";
import { inState, op } from "./operation-fixtures.js";

const OPERATIONS: Record<ReleaseOperationKind, ReleaseOperation> = {
  start: { kind: "start" },
  approve: { kind: "approve", comment: "looks good" },
  reject: { kind: "reject", comment: "not now" },
  trigger: { kind: "trigger" },
  pause: { kind: "pause" },
  resume: { kind: "resume" },
  retry: { kind: "retry" },
  rollback: { kind: "rollback" },
  cancel: { kind: "cancel" },
};

const ENDED = "it has ended";
const NOT_STARTED = "it has not started (release start starts it now)";
/** state → operation → resulting state, or the refusal after "the release task is <state>: ". */
const EXPECTED: Record<
  ReleaseState,
  Record<ReleaseOperationKind, ReleaseState | { refused: string }>
> = {
  Scheduled: {
    start: "Running",
    approve: { refused: NOT_STARTED },
    reject: { refused: NOT_STARTED },
    trigger: { refused: NOT_STARTED },
    pause: { refused: NOT_STARTED },
    resume: { refused: NOT_STARTED },
    retry: { refused: NOT_STARTED },
    rollback: { refused: "it has not started: nothing to roll back" },
    cancel: "Cancelled",
  },
  Ready: {
    start: "Running",
    approve: { refused: "start it first" },
    reject: { refused: "start it first" },
    trigger: { refused: "start it first" },
    pause: { refused: "start it first" },
    resume: { refused: "start it first" },
    retry: { refused: "start it first" },
    rollback: { refused: "it has not started: nothing to roll back" },
    cancel: "Cancelled",
  },
  Running: {
    start: { refused: "it has already been started" },
    approve: { refused: 'and stage "pilot" is Running: nothing waits for approval' },
    reject: { refused: 'and stage "pilot" is Running: nothing waits for approval' },
    trigger: { refused: 'and stage "pilot" is Running: nothing waits for a trigger' },
    pause: "Paused",
    resume: { refused: "it is not paused" },
    retry: "Running",
    rollback: { refused: "pause it first" },
    cancel: "Cancelled",
  },
  Paused: {
    start: { refused: "it has already been started" },
    approve: { refused: "resume it first" },
    reject: { refused: "resume it first" },
    trigger: { refused: "resume it first" },
    pause: { refused: "it is paused already" },
    // Resumed, the runner judges at once: A/01 Failed crosses "0%".
    resume: "Failed",
    retry: { refused: "resume it first" },
    rollback: "Rolled Back",
    cancel: "Cancelled",
  },
  Failed: {
    start: { refused: "it has already been started" },
    approve: { refused: "a stage failed: retry, roll back or cancel it" },
    reject: { refused: "a stage failed: retry, roll back or cancel it" },
    trigger: { refused: "a stage failed: retry, roll back or cancel it" },
    pause: { refused: "a stage failed: retry, roll back or cancel it" },
    resume: { refused: "a stage failed: retry, roll back or cancel it" },
    retry: "Running",
    rollback: "Rolled Back",
    cancel: "Cancelled",
  },
  Successful: endedRow("Rolled Back"),
  Rejected: endedRow("Rolled Back"),
  Cancelled: endedRow("Rolled Back"),
  "Rolled Back": endedRow({
    refused:
      "no rows left to roll back (0 rows sent their previous version; 1 skipped: In Progress: run release rollback again when it ends)",
  }),
};

function endedRow(rollback: ReleaseState | { refused: string }) {
  const row = {} as Record<ReleaseOperationKind, ReleaseState | { refused: string }>;
  for (const kind of Object.keys(OPERATIONS) as ReleaseOperationKind[])
    row[kind] = { refused: ENDED };
  row.rollback = rollback;
  return row;
}

describe("every release state × every operation", () => {
  const cases = RELEASE_STATES.flatMap((state) =>
    (Object.keys(OPERATIONS) as ReleaseOperationKind[]).map((kind) => ({
      state,
      kind,
      expected: EXPECTED[state][kind],
    })),
  );
  it("covers 9 states × 9 operations", () => expect(cases).toHaveLength(81));

  it.each(cases)("$state × $kind", ({ state, kind, expected }) => {
    const { rel, w } = inState(state);
    expect(rel.state).toBe(state);
    const result = op(rel, w, OPERATIONS[kind]);
    if (typeof expected === "string") {
      expect(result.ok ? result.value.release.state : result.error).toBe(expected);
      if (result.ok) {
        expect(result.value.changed).toBe(true);
        // The operation's own change comes first (the runner may move on after it).
        const first = result.value.release.history
          .slice(rel.history.length)
          .find((h) => h.subject === "release");
        // (retry in Running changes rows, not the release's state: no entry.)
        if (expected !== state) expect(first).toMatchObject({ from: state, who: "bob" });
      }
    } else {
      const sep = expected.refused.startsWith("and ") ? " " : ": ";
      expect(result).toEqual({
        ok: false,
        error: `the release task is ${state}${sep}${expected.refused}`,
      });
    }
  });
});
