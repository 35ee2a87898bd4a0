import type { StatusDocument } from "@tillroll/protocol";
import type { ServiceRow } from "../fleet/service-row.js";
import type { DesiredEntry } from "../state/coordinator-state.js";

export interface StatusContext {
  doc: StatusDocument;
  group: string | null;
  online: boolean;
  /** The coordinator's desired services for this workstation. */
  desired: Readonly<Record<string, DesiredEntry>>;
  /** Current rows of this workstation, by function. */
  existing: ReadonlyMap<string, ServiceRow>;
  now: string;
}

/**
 * The rows a status report turns into. The agent is the truth about what
 * runs (active version) and about the request it is working on; a report
 * about an older request than the coordinator's current one keeps the row as
 * the operator's action left it (e.g. Prepared after a retry), so a late
 * report never makes a new request look finished.
 */
export function rowsFromStatus(ctx: StatusContext): ServiceRow[] {
  const rows: ServiceRow[] = [];
  const { doc } = ctx;
  for (const [fn, report] of Object.entries(doc.services)) {
    const want = ctx.desired[fn];
    const before = ctx.existing.get(fn);
    const base = {
      store: doc.store,
      workstation: doc.workstation,
      function: fn,
      activeVersion: report.activeVersion,
      group: ctx.group,
      online: ctx.online,
      updatedAt: ctx.now,
      // Issue 13: what the running release was built with (absent from older agents).
      ...(report.recipe === undefined ? {} : { appliedRecipe: report.recipe }),
    };
    if (want !== undefined && want.requestId !== report.requestId) {
      rows.push({
        ...base,
        preferredVersion: want.preferredVersion,
        validFrom: want.validFrom,
        requestId: want.requestId,
        status: before?.status ?? (want.preferredVersion === null ? "OK" : "Prepared"),
        phase: null,
        progress: null,
        reason: before?.reason ?? null,
      });
      continue;
    }
    rows.push({
      ...base,
      preferredVersion: want?.preferredVersion ?? report.preferredVersion,
      validFrom: report.validFrom,
      requestId: report.requestId,
      status: report.status,
      phase: report.phase,
      progress: report.progress,
      reason: report.reason,
    });
  }
  return rows;
}
