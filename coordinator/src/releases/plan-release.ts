import type { PlanInput, ReleasePlan } from "./release-model.js";

/**
 * The release runner's decision (pure): release state × stage rows' status
 * × now → the next record, the sends, the events, when to look again. STUB.
 */
export function planRelease(_input: PlanInput): ReleasePlan {
  throw new Error("not implemented");
}
