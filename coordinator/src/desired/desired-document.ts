import type { DesiredDocument } from "@tillroll/protocol";
import type { DesiredEntry, DesiredFields } from "../state/coordinator-state.js";

/**
 * The whole desired document for one workstation (state, not events): every
 * service the coordinator has an opinion on, sorted by name so equal states
 * give equal bytes.
 */
export function buildDesiredDocument(
  ref: { store: string; workstation: string },
  services: Readonly<Record<string, DesiredEntry>>,
  seq: number,
  ts: string,
  fields: DesiredFields = {},
): DesiredDocument {
  const sorted: DesiredDocument["services"] = {};
  for (const name of Object.keys(services).sort()) {
    const entry = services[name];
    if (entry !== undefined) sorted[name] = { ...entry };
  }
  // Document-level fields only when set: every other document keeps its bytes.
  const extra = {
    ...(fields.sessionRelease == null ? {} : { sessionRelease: { ...fields.sessionRelease } }),
    ...(fields.maintenance == null
      ? {}
      : { maintenance: { ...fields.maintenance, functions: [...fields.maintenance.functions] } }),
  };
  return {
    schema: 1,
    seq,
    ts,
    store: ref.store,
    workstation: ref.workstation,
    services: sorted,
    ...extra,
  };
}

/**
 * Desired seqs must grow across coordinator restarts, even one that lost its
 * store: take the larger of "one more than the last" and the clock in ms.
 */
export function nextDesiredSeq(last: number, nowMs: number): number {
  return Math.max(last + 1, Math.floor(nowMs));
}
