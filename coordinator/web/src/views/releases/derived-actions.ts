import type { RouteName } from "../../../../src/api/contract.js";
import { ACTION_ROUTES, type ActionName, type ReleaseActions, type ReleaseView } from "./model.js";

/**
 * What the caller may do, worked out in the browser from the task's state,
 * the role table and four eyes, for as long as the show answer carries no
 * `actions` (CONSOLE-API.md §7). The server decides again either way; a
 * refusal is shown as its sentence.
 */
const STATES: Readonly<Record<ActionName, readonly string[]>> = {
  start: ["Ready", "Scheduled"],
  approve: ["Running"],
  reject: ["Running"],
  trigger: ["Running"],
  pause: ["Running"],
  resume: ["Paused"],
  retry: ["Running", "Failed"],
  rollback: ["Paused", "Failed", "Successful", "Cancelled", "Rejected"],
  cancel: ["Scheduled", "Ready", "Running", "Paused", "Failed"],
};

export function derivedActions(
  view: ReleaseView,
  who: { readonly name: string; readonly role: string; readonly scope: string | null },
  may: (route: RouteName) => boolean,
): ReleaseActions {
  const waiting = (state: string) => view.stages.some((stage) => stage.state === state);
  const allowed = (action: ActionName) =>
    may(ACTION_ROUTES[action]) && STATES[action].includes(view.state);
  const judge = (action: "approve" | "reject") =>
    allowed(action) && waiting("Waiting for approval") && who.name !== view.createdBy;
  return {
    start: allowed("start"),
    approve: judge("approve"),
    reject: judge("reject"),
    trigger: allowed("trigger") && waiting("Waiting for trigger"),
    pause: allowed("pause"),
    resume: allowed("resume"),
    retry: allowed("retry"),
    rollback: allowed("rollback"),
    cancel:
      allowed("cancel") && (!view.spec.forced || (who.role === "admin" && who.scope === null)),
  };
}
