import { applyAction } from "@tillroll/protocol/pure";
import type { RowChange, RowView } from "../operations/plan-changes.js";
import { LACKS_RECIPE, LACKS_REDEPLOY } from "../releases/release-context.js";
import { RECIPE_CAPABILITY } from "./recipe-source.js";

/** What decides whether a row may be rebuilt, besides the row itself. */
export interface RebuildFacts {
  /** The active release task holding the row (`store/ws/function`), if any. */
  readonly heldBy: (key: string) => { id: string; name: string } | undefined;
  /** The agent's capabilities (presence); null: it never said. */
  readonly capabilitiesOf: (store: string, workstation: string) => readonly string[] | null;
  /** The pack of (function, version): absent, withdrawn or offered. */
  readonly packOf: (fn: string, version: string) => "offered" | "withdrawn" | "missing";
}

export { LACKS_RECIPE, LACKS_REDEPLOY };

/**
 * `tillroll rebuild` as a pure plan (issue 13): each row gets a new request
 * for its active version with `redeploy` (the agent builds a new release
 * folder of the same pack with the recipe of now), or is skipped with the
 * reason: held by a release task, nothing installed, In Progress, its pack
 * not offered, or an agent that would not understand it.
 */
export function planRebuild(rows: readonly RowView[], facts: RebuildFacts): RowChange[] {
  return rows.map((row): RowChange => {
    const ref = { store: row.store, workstation: row.workstation, function: row.function };
    const skip = (reason: string): RowChange => ({ kind: "skip", ...ref, reason });
    const holder = facts.heldBy(`${row.store}/${row.workstation}/${row.function}`);
    if (holder !== undefined)
      return skip(
        `in release task ${holder.id} ${JSON.stringify(holder.name)}: change it through the release`,
      );
    const version = row.activeVersion;
    if (version === null) return skip("nothing installed to rebuild");
    const outcome = applyAction(
      { status: row.status, preferredVersion: row.preferredVersion },
      { kind: "set-preferred", version },
    );
    if (!outcome.allowed) return skip(outcome.reason);
    const pack = facts.packOf(row.function, version);
    if (pack === "missing") return skip(`no published pack ${row.function} ${version}`);
    if (pack === "withdrawn") return skip(`${row.function} ${version} is withdrawn`);
    const capabilities = facts.capabilitiesOf(row.store, row.workstation) ?? [];
    if (!capabilities.includes("redeploy")) return skip(LACKS_REDEPLOY);
    if (!capabilities.includes(RECIPE_CAPABILITY)) return skip(LACKS_RECIPE);
    return {
      kind: "apply",
      ...ref,
      status: "Prepared",
      preferredVersion: version,
      newRequest: true,
      firstInstall: false,
    };
  });
}
