import {
  type WorkstationRecord,
  workstationRecordSchema,
  wsKey,
} from "../state/coordinator-state.js";
import type { WorkstationRef } from "./workstation-store.js";

/**
 * The check every WorkstationStore makes of an enrolment batch before it
 * writes anything (so a refused batch writes nothing at all): each record
 * must be well formed (else a clear error naming its index) and no
 * workstation may be enrolled already or twice in the batch. Pure: the
 * store says which keys it holds through `enrolled`; it checks again inside
 * its own write, as another enrolment may land meanwhile.
 */
export function checkEnrolment(
  records: readonly WorkstationRecord[],
  enrolled: (key: string) => boolean,
): { ok: true; checked: WorkstationRecord[] } | { ok: false; taken: WorkstationRef } {
  const checked = records.map((record, index) => {
    const parsed = workstationRecordSchema.safeParse(record);
    if (!parsed.success)
      throw new Error(`workstation ${index} refused: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  });
  const seen = new Set<string>();
  for (const record of checked) {
    const key = wsKey(record);
    if (seen.has(key) || enrolled(key))
      return { ok: false, taken: { store: record.store, workstation: record.workstation } };
    seen.add(key);
  }
  return { ok: true, checked };
}
