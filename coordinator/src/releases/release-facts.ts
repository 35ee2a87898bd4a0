import type { ServiceRow } from "../fleet/service-row.js";
import type { DesiredEntry } from "../state/coordinator-state.js";
import type { DesiredStore } from "../store/desired-store.js";
import type { FleetRows } from "../store/fleet-rows.js";
import type { CandidateRow, ReleaseRecord, ReleaseSpec } from "./release-model.js";

/** The reads the runner plans from: member rows, candidates, desired entries. */

type Fleet = Pick<FleetRows, "getMany" | "query">;

export function memberKeys(release: ReleaseRecord): string[] {
  return release.stages.flatMap((stage) => stage.members.map((member) => member.key));
}

/**
 * The rows of a release's members now, by key, in one read: a query of the
 * release's target instead filtered and sorted every row of the fleet
 * (100,000) on every plan, and 10,000 single reads cost an await each.
 */
export function memberRows(fleet: Fleet, release: ReleaseRecord): Promise<Map<string, ServiceRow>> {
  return fleet.getMany(memberKeys(release));
}

/** The rows of the release's function its target matches (the planner narrows per stage). */
export function candidatesOf(fleet: Fleet, release: ReleaseRecord): Promise<CandidateRow[]> {
  return targetRows(fleet, release.spec);
}

/** The rows of a spec's function its target matches. */
export async function targetRows(
  fleet: Fleet,
  spec: Pick<ReleaseSpec, "target" | "function">,
): Promise<CandidateRow[]> {
  const rows = await fleet.query({ ...spec.target, function: [spec.function] });
  return rows.map((row) => ({
    store: row.store,
    workstation: row.workstation,
    function: row.function,
    group: row.group,
    activeVersion: row.activeVersion,
    preferredVersion: row.preferredVersion,
    status: row.status,
    validFrom: row.validFrom,
  }));
}

/** The desired entry of each sent member, for finding sends a crash cut off. */
export async function sentEntries(
  desired: Pick<DesiredStore, "servicesOf">,
  release: ReleaseRecord,
): Promise<Map<string, DesiredEntry | undefined>> {
  const entries = new Map<string, DesiredEntry | undefined>();
  for (const stage of release.stages) {
    for (const member of stage.members) {
      if (member.requestId === null) continue;
      entries.set(member.key, (await desired.servicesOf(member))[release.spec.function]);
    }
  }
  return entries;
}
