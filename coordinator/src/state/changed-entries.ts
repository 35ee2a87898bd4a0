import type { z } from "zod";
import {
  type CoordinatorState,
  desiredFieldsSchema,
  workstationRecordSchema,
} from "./coordinator-state.js";

/**
 * What a change to `coordinator.json` made that read() would refuse, or null
 * when it is all well formed. Only what the change touched is checked, and
 * only records that hold what came from outside (an enrolment's body, an
 * agent's capabilities, an operator's maintenance switch): a
 * record of the draft that is the very object the live state holds was
 * checked when it was written (or read at start) and is not looked at again.
 * This is what keeps "never persist what would not read back" without
 * re-parsing 10,000 workstations on every write (the whole state's zod parse
 * was most of a 10,000-row set-preferred's answer time).
 *
 * Relies on StateStore.change's rule: a change replaces an entry, never
 * edits one in place.
 */
export function changedEntriesError(
  live: CoordinatorState,
  draft: CoordinatorState,
): string | null {
  if (!Number.isSafeInteger(draft.desiredSeq) || draft.desiredSeq < 0)
    return `desiredSeq: expected a whole number >= 0, got ${String(draft.desiredSeq)}`;
  const workstations = changedIn("workstations", live.workstations, draft.workstations, (v) =>
    workstationRecordSchema.safeParse(v),
  );
  if (workstations !== null) return workstations;
  const fields = changedIn(
    "desiredFields",
    live.desiredFields ?? {},
    draft.desiredFields ?? {},
    (v) => desiredFieldsSchema.safeParse(v),
  );
  if (fields !== null) return fields;
  // Desired entries are not parsed again: applyDesired is the one place that makes them, from
  // a plan of a checked request or release, a stored pack and a stored recipe, all checked
  // when they came in; their parse was 10,000 entries per bulk set-preferred (0.3 s on a busy
  // machine). They are checked whole when the file is read at start.
  return null;
}

/** The first entry of `draft` that is not `live`'s and does not pass `parse`, named. */
function changedIn(
  where: string,
  live: Readonly<Record<string, unknown>>,
  draft: Readonly<Record<string, unknown>>,
  parse: (value: unknown) => z.ZodSafeParseResult<unknown>,
): string | null {
  for (const key in draft) {
    const value = draft[key];
    if (value === live[key]) continue;
    const parsed = parse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.length ? `.${issue.path.join(".")}` : "";
      return `${where}.${key}${path}: ${issue?.message ?? "invalid"}`;
    }
  }
  return null;
}
