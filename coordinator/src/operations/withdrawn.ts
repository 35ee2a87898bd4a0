// A withdrawn pack (`tillroll pack withdraw`) may not be named by any new request: set-preferred
// refuses it, versions does not offer it, and a retry does not re-request it. Rows already
// running it are untouched, and its file stays downloadable for agents that are mid-install.

import type { PackRecord } from "../packs/pack-record.js";
import { withdrawnText } from "../packs/pack-store.js";
import type { RowChange } from "./plan-changes.js";

/** set-preferred's refusal of a withdrawn version. */
export function withdrawnRefusal(record: PackRecord): string {
  return `${withdrawnText(record)}: it cannot be chosen; rows already running it are untouched`;
}

/**
 * A retry's plan with every change that would send a new request for a withdrawn version
 * turned into a skip naming the withdrawal (the row needs set-preferred to another version).
 */
export function skipWithdrawn(
  plan: RowChange[],
  packOf: (fn: string, version: string) => PackRecord | undefined,
): RowChange[] {
  return plan.map((change) => {
    if (change.kind !== "apply" || !change.newRequest || change.preferredVersion === null)
      return change;
    const pack = packOf(change.function, change.preferredVersion);
    if (pack?.withdrawnAt === undefined) return change;
    return {
      kind: "skip",
      store: change.store,
      workstation: change.workstation,
      function: change.function,
      reason: `${withdrawnText(pack)}: choose another version with set-preferred`,
    };
  });
}
