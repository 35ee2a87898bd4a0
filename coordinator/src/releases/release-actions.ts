import type { Operator } from "../accounts/identity.js";
import { authorize, canApprove } from "../accounts/permissions.js";
import { isPlatformAdmin } from "../accounts/scope.js";
import { OPERATION_STATES } from "./plan-operation.js";
import type { ReleaseOperationKind, ReleaseState, StageState } from "./release-model.js";

/**
 * What one caller may do with a release task now (issue 12: the web console
 * shows only these buttons): the state allows the operation
 * (OPERATION_STATES), the caller's role allows its route (ROUTE_PERMISSIONS),
 * approve and reject need an approver who did not create the task (four
 * eyes) and a stage waiting for approval, trigger a stage waiting for a
 * trigger, and a forced task is cancelled only by the platform admin. The
 * server still decides each request; this only says what would be allowed.
 */
export type ReleaseActions = Record<ReleaseOperationKind, boolean>;

/** The parts of a release view the decision reads. */
export interface ActionFacts {
  readonly state: ReleaseState;
  readonly createdBy: string;
  readonly spec: { readonly forced: boolean };
  readonly stages: readonly { readonly state: StageState }[];
}

const KINDS = Object.keys(OPERATION_STATES) as ReleaseOperationKind[];

export function releaseActions(release: ActionFacts, who: Operator): ReleaseActions {
  // The stage a checkpoint would act on: the first one not yet Successful.
  const current = release.stages.find((stage) => stage.state !== "Successful")?.state;
  const allowed = (kind: ReleaseOperationKind): boolean => {
    if (!OPERATION_STATES[kind].includes(release.state)) return false;
    if (!authorize(who, `POST /api/releases/${kind}`).ok) return false;
    switch (kind) {
      case "approve":
      case "reject":
        return (
          current === "Waiting for approval" && canApprove(who, { createdBy: release.createdBy }).ok
        );
      case "trigger":
        return current === "Waiting for trigger";
      case "cancel":
        return !release.spec.forced || isPlatformAdmin(who);
      default:
        return true;
    }
  };
  return Object.fromEntries(KINDS.map((kind) => [kind, allowed(kind)])) as ReleaseActions;
}
