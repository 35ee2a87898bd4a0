import type { Result } from "@tillroll/protocol";
import type { PlanInput, ReleaseActor, ReleaseOperation, ReleasePlan } from "./release-model.js";

/**
 * An operator's operation on a release (pure): refused naming the state
 * ("the release task is Running: pause it first"), or the plan to persist
 * and apply. STUB.
 */
export function planOperation(
  _input: PlanInput,
  _operation: ReleaseOperation,
  _actor: ReleaseActor,
): Result<ReleasePlan> {
  throw new Error("not implemented");
}
