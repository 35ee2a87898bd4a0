import type { Draft } from "./release-draft.js";
import { moveStage, replaceMembers, stageEnded } from "./release-draft.js";
import type { MemberObservation, MemberRecord, StageRecord } from "./release-model.js";
import { requestIdFor } from "./release-spec.js";

/**
 * Undoing a release: rollback (every row the release sent to gets its
 * previous active version back) and cancel (rows sent but not started go
 * back to "-"), and the stages they cancel. Shared by the runner (onError
 * rollback) and the operations.
 */

type Observe = (key: string) => MemberObservation | undefined;

export interface RollbackSummary {
  readonly sent: number;
  readonly nothingBefore: number;
  readonly inProgress: number;
}

/**
 * Sends `previousVersion` to every sent member not yet in `rolledBack`;
 * members with nothing installed before are skipped ("nothing was installed
 * before the release"), In Progress ones are left for a later rollback
 * (their preferred version is locked while they run).
 */
export function sendRollbacks(draft: Draft, fn: string, observe: Observe): RollbackSummary {
  const done = new Set(draft.rolledBack);
  let sent = 0;
  let nothingBefore = 0;
  let inProgress = 0;
  draft.stages.forEach((stage, stageIndex) => {
    stage.members.forEach((member, memberIndex) => {
      if (member.requestId === null || done.has(member.key)) return;
      if (member.previousVersion === null) {
        nothingBefore++;
        return;
      }
      if (observe(member.key)?.status === "In Progress") {
        inProgress++;
        return;
      }
      draft.sends.push({
        key: member.key,
        store: member.store,
        workstation: member.workstation,
        function: fn,
        version: member.previousVersion,
        requestId: requestIdFor(draft.id, stageIndex, memberIndex, 0, "rollback"),
        why: "rollback",
      });
      draft.rolledBack.push(member.key);
      done.add(member.key);
      sent++;
    });
  });
  if (sent > 0) draft.changed = true;
  return { sent, nothingBefore, inProgress };
}

export function rollbackReason(summary: RollbackSummary): string {
  const parts = [`${summary.sent} row${summary.sent === 1 ? "" : "s"} sent their previous version`];
  if (summary.nothingBefore > 0) {
    parts.push(`${summary.nothingBefore} skipped: nothing was installed before the release`);
  }
  if (summary.inProgress > 0) {
    parts.push(
      `${summary.inProgress} skipped: In Progress: run release rollback again when it ends`,
    );
  }
  return parts.join("; ");
}

/**
 * Whether a sent member's row has started on the release's request: it
 * reports this request as In Progress, OK, Failed or Rolled Back. A row that
 * reports another request (not acknowledged yet, offline) has not started
 * either: RELEASE-SEMANTICS.md names only Prepared / Not Ready for the
 * member's request, but an offline till left with the release's version
 * would install it after the cancel, so it gets "-" too (the safer reading).
 */
function hasStarted(member: MemberRecord, obs: MemberObservation | undefined): boolean {
  if (obs === undefined || obs.requestId !== member.requestId) return false;
  return obs.status !== "Prepared" && obs.status !== "Not Ready";
}

/** Sends "-" to every sent member whose row has not started; returns how many. */
export function sendCancels(draft: Draft, fn: string, observe: Observe): number {
  let cancelled = 0;
  const done = new Set(draft.rolledBack);
  for (const stage of draft.stages) {
    for (const member of stage.members) {
      if (member.requestId === null || done.has(member.key)) continue;
      if (hasStarted(member, observe(member.key))) continue;
      draft.sends.push({
        key: member.key,
        store: member.store,
        workstation: member.workstation,
        function: fn,
        version: null,
        requestId: null,
        why: "cancel",
      });
      cancelled++;
    }
  }
  return cancelled;
}

/** Running, Waiting and Pending stages → Cancelled (stage-ended for those that had begun). */
export function cancelOpenStages(draft: Draft, reason: string, who: string): void {
  draft.stages.forEach((stage: StageRecord, index) => {
    if (stage.state === "Successful" || stage.state === "Failed" || stage.state === "Cancelled") {
      return;
    }
    const begun = stage.state !== "Pending";
    moveStage(draft, index, "Cancelled", reason, who);
    if (begun) stageEnded(draft, index, "Cancelled", reason);
  });
}

/** Marks sends on `members` of stage `index` (used by dispatch and retry). */
export function markSent(
  draft: Draft,
  stageIndex: number,
  memberIndexes: readonly number[],
  fn: string,
  version: string,
  why: "install" | "retry",
  redeploy = false,
): void {
  if (memberIndexes.length === 0) return;
  const stage = draft.stages[stageIndex] as StageRecord;
  const members = [...stage.members];
  for (const memberIndex of memberIndexes) {
    const member = members[memberIndex] as MemberRecord;
    const attempt = member.attempt + 1;
    const requestId = requestIdFor(draft.id, stageIndex, memberIndex, attempt, why);
    members[memberIndex] = { ...member, requestId, sentAt: draft.at, attempt };
    draft.sends.push({
      key: member.key,
      store: member.store,
      workstation: member.workstation,
      function: fn,
      version,
      requestId,
      why,
      ...(member.window === undefined || member.window === null ? {} : { window: member.window }),
      ...(redeploy ? { redeploy: true } : {}),
    });
  }
  replaceMembers(draft, stageIndex, members);
}
