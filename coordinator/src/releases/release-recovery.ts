import type { ServiceRow } from "../fleet/service-row.js";
import type { DesiredEntry } from "../state/coordinator-state.js";
import { ACTIVE_RELEASE_STATES, type ReleaseRecord, type ReleaseSend } from "./release-model.js";
import { requestIdFor } from "./release-spec.js";

/**
 * The sends a release persisted but whose desired state is not there (the
 * coordinator died between saving the release and publishing, or the
 * publish failed): applying them again is safe because request ids are
 * deterministic. Pure; the runner applies what it returns on start.
 *
 * - An active release holds its rows (set-preferred skips them), so a sent
 *   member whose desired entry does not carry the member's request lacks it.
 * - A Rolled Back or Cancelled release holds nothing: an operator may have
 *   changed its rows since. Its rollback / cancel is missing only where the
 *   entry still carries the release's own request for the member.
 */
export function missingSends(
  release: ReleaseRecord,
  entryOf: (key: string) => DesiredEntry | undefined,
  rowOf: (key: string) => ServiceRow | undefined,
): ReleaseSend[] {
  const sends: ReleaseSend[] = [];
  const active = ACTIVE_RELEASE_STATES.includes(release.state);
  const rolledBack = new Set(release.rolledBack);
  const fn = release.spec.function;
  release.stages.forEach((stage, stageIndex) => {
    stage.members.forEach((member, memberIndex) => {
      if (member.requestId === null) return;
      const entry = entryOf(member.key);
      const base = {
        key: member.key,
        store: member.store,
        workstation: member.workstation,
        function: fn,
      };
      if (active) {
        if (rolledBack.has(member.key) || entry?.requestId === member.requestId) return;
        sends.push({
          ...base,
          version: release.spec.version,
          requestId: member.requestId,
          why: member.attempt > 1 ? "retry" : "install",
          ...(member.window === undefined || member.window === null
            ? {}
            : { window: member.window }),
          ...(release.spec.redeploy ? { redeploy: true } : {}),
        });
        return;
      }
      // Ended: only where nothing has replaced the release's own request.
      if (entry?.requestId !== member.requestId || entry.preferredVersion === null) return;
      if (release.state === "Rolled Back" && rolledBack.has(member.key)) {
        if (member.previousVersion === null) return;
        sends.push({
          ...base,
          version: member.previousVersion,
          requestId: requestIdFor(release.id, stageIndex, memberIndex, member.attempt, "rollback"),
          why: "rollback",
        });
      } else if (
        release.state === "Cancelled" &&
        !rolledBack.has(member.key) &&
        notStarted(rowOf(member.key), member.requestId)
      ) {
        sends.push({ ...base, version: null, requestId: null, why: "cancel" });
      }
    });
  });
  return sends;
}

/** A row that has not started the member's request: Prepared or Not Ready for it, or not acknowledged. */
function notStarted(row: ServiceRow | undefined, requestId: string): boolean {
  if (row === undefined) return false;
  if (row.requestId !== requestId) return row.status !== "In Progress";
  return row.status === "Prepared" || row.status === "Not Ready";
}
