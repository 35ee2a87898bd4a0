import { applyAction, type DrainPolicy } from "@tillroll/protocol";
import type { ServiceRow } from "../fleet/service-row.js";
import type { DesiredRowChange } from "../operations/apply-desired.js";
import type { ReleaseSend } from "./release-model.js";

/**
 * A release's sends as desired-state changes: install, retry and rollback
 * prefer the version with the send's own (deterministic) request, valid from
 * now, the row Prepared; cancel goes back to "-" by the status model's rule
 * for the row's status (a row In Progress by now is left to finish, logged).
 */
export async function changesFor(
  sends: readonly ReleaseSend[],
  rowOf: (key: string) => Promise<ServiceRow | undefined>,
  now: number,
  skipped: (key: string, reason: string) => void,
  /** Issue 13: the task's drain policy, for its installs and retries (not a rollback). */
  drain: DrainPolicy | null = null,
): Promise<DesiredRowChange[]> {
  const validFrom = new Date(now).toISOString();
  const changes: DesiredRowChange[] = [];
  for (const send of sends) {
    const ref = { store: send.store, workstation: send.workstation, function: send.function };
    if (send.version !== null) {
      changes.push({
        ...ref,
        preferredVersion: send.version,
        status: "Prepared",
        request:
          send.requestId === null ? { kind: "new" } : { kind: "given", requestId: send.requestId },
        validFrom,
        ...(send.window == null ? {} : { window: send.window }),
        ...(send.redeploy === true ? { redeploy: true } : {}),
        ...(drain !== null && send.why !== "rollback" ? { drain } : {}),
      });
      continue;
    }
    const row = await rowOf(send.key);
    if (row === undefined) continue;
    const outcome = applyAction(
      { status: row.status, preferredVersion: row.preferredVersion },
      { kind: "skip" },
    );
    if (!outcome.allowed) {
      skipped(send.key, outcome.reason);
      continue;
    }
    changes.push({
      ...ref,
      preferredVersion: null,
      status: outcome.status,
      request: { kind: "new" },
      validFrom: null,
    });
  }
  return changes;
}

/** `2 install, 1 retry`: what a batch of sends was, for the log. */
export function describeSends(sends: readonly ReleaseSend[]): string {
  const byWhy = new Map<string, number>();
  for (const send of sends) byWhy.set(send.why, (byWhy.get(send.why) ?? 0) + 1);
  return [...byWhy].map(([why, count]) => `${count} ${why}`).join(", ");
}
