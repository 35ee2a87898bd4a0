/** Releases in each state, and operations on them, for the operation tests. */
import { planOperation } from "../../src/releases/plan-operation.js";
import { planRelease } from "../../src/releases/plan-release.js";
import type {
  ReleaseActor,
  ReleaseOperation,
  ReleasePlan,
  ReleaseRecord,
  ReleaseState,
} from "../../src/releases/release-model.js";
import {
  ALICE,
  answer,
  BOB,
  candidate,
  input,
  release,
  type World,
  withStages,
  world,
} from "./release-fixtures.js";

export const STAGES = [
  { name: "pilot", target: { store: "A" } },
  { name: "wave", checkpoint: "approval" },
  { name: "rest", checkpoint: "trigger" },
];
export const FLEET = () =>
  world([
    candidate("A", "01"),
    candidate("A", "02"),
    candidate("B", "01"),
    candidate("C", "01"),
    candidate("D", "01"),
  ]);

export function must(result: ReturnType<typeof planOperation>): ReleasePlan {
  if (!result.ok) throw new Error(result.error);
  return result.value;
}
export const op = (
  rel: ReleaseRecord,
  w: World,
  operation: ReleaseOperation,
  actor: ReleaseActor = BOB,
) => planOperation(input(rel, w), operation, actor);

/** The release in each state, with the world its rows are in. */
export function inState(state: ReleaseState): { rel: ReleaseRecord; w: World } {
  const w = FLEET();
  const ready = release({ stages: STAGES });
  if (state === "Ready") return { rel: ready, w };
  if (state === "Scheduled")
    return {
      rel: release({ stages: STAGES, schedule: { mode: "at", at: "2026-12-01T02:00:00+01:00" } }),
      w,
    };
  const running = must(op(ready, w, { kind: "start" }, ALICE)).release;
  // pilot: A/01 Failed, A/02 In Progress.
  answer(running, w, "A/01/pos-client", "Failed");
  answer(running, w, "A/02/pos-client", "In Progress");
  switch (state) {
    case "Running":
      return { rel: running, w };
    case "Paused":
      return { rel: must(op(running, w, { kind: "pause" })).release, w };
    case "Failed":
      return { rel: planRelease(input(running, w)).release, w };
    case "Cancelled":
      return { rel: must(op(running, w, { kind: "cancel" })).release, w };
    case "Rolled Back": {
      const failed = planRelease(input(running, w)).release;
      return { rel: must(op(failed, w, { kind: "rollback" })).release, w };
    }
    case "Successful":
      return {
        rel: withStages(running, "Successful", [
          { state: "Successful" },
          { state: "Successful" },
          { state: "Successful" },
        ]),
        w,
      };
    case "Rejected":
      return {
        rel: withStages(running, "Rejected", [
          { state: "Successful" },
          { state: "Cancelled" },
          { state: "Cancelled" },
        ]),
        w,
      };
  }
}
