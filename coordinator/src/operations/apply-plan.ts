import type { DrainPolicy } from "@tillroll/protocol";
import type { Operator } from "../accounts/identity.js";
import { rowKey } from "../fleet/service-row.js";
import { applyDesired } from "./apply-desired.js";
import { type ChangeReport, type OperationsDeps, recordAction } from "./operations-deps.js";
import type { RowChange } from "./plan-changes.js";

/** How a planned change is written: its audit action and details, and the desired entries' extras. */
export interface PlanWrite {
  readonly action: string;
  readonly details: Record<string, unknown>;
  readonly validFrom: string | null;
  /** Issue 13: the drain policy every changed entry carries (null: none). */
  readonly drain?: DrainPolicy | null;
  /** Reinstall even when the version is active (a rebuild). */
  readonly redeploy?: boolean;
}

/**
 * Carries out a planned change of rows (set-preferred, retry, rebuild):
 * the desired entries of the changed rows (persisted; published after the
 * answer, in seq order), then the audit entry. A dry run answers the plan and writes nothing; so does a
 * plan that changes no row (nothing matched, or every row skipped): no
 * desired state, no fleet row, no audit entry, no publish.
 */
export async function applyPlanUnlessDry(
  deps: OperationsDeps,
  plan: readonly RowChange[],
  dryRun: boolean,
  who: Operator,
  write: PlanWrite,
): Promise<ChangeReport> {
  const changed = plan.filter((change) => change.kind === "apply");
  const skipped = plan.filter((change) => change.kind === "skip");
  if (dryRun || changed.length === 0) return { changed, skipped, dryRun };
  await applyDesired(
    deps,
    changed.map((change) => ({
      store: change.store,
      workstation: change.workstation,
      function: change.function,
      preferredVersion: change.preferredVersion,
      status: change.status,
      request: change.newRequest ? { kind: "new" } : { kind: "keep" },
      validFrom: write.validFrom,
      drain: write.drain ?? null,
      ...(write.redeploy === true ? { redeploy: true } : {}),
    })),
    // The answer says the change is durable; the documents go out after it.
    { publishAfterAnswer: true },
  );
  await recordAction(
    deps,
    who,
    write.action,
    write.details,
    changed.map((c) => rowKey(c)),
    skipped.length,
  );
  return { changed, skipped, dryRun: false };
}
