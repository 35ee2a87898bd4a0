import { rowKey, type ServiceRow } from "../fleet/service-row.js";
import type { DesiredEntry } from "../state/coordinator-state.js";
import type { DesiredStore } from "../store/desired-store.js";
import type { FleetRows } from "../store/fleet-rows.js";
import type { CandidateRow, ReleaseRecord } from "./release-model.js";

/** The reads the runner plans from: member rows, candidates, desired entries. */

type Fleet = Pick<FleetRows, "get" | "query">;

export function memberKeys(release: ReleaseRecord): string[] {
  return release.stages.flatMap((stage) => stage.members.map((member) => member.key));
}

/**
 * The rows of a release's members now, by key. One read of the release's
 * rows, not one per member (10,000 members, planned on every batch of
 * reports); a member whose row no longer matches the target is read by key.
 */
export async function memberRows(
  fleet: Fleet,
  release: ReleaseRecord,
): Promise<Map<string, ServiceRow>> {
  const keys = memberKeys(release);
  const found = new Map<string, ServiceRow>();
  if (keys.length === 0) return found;
  const target = { ...release.spec.target, function: [release.spec.function] };
  const byKey = new Map<string, ServiceRow>();
  for (const row of await fleet.query(target)) byKey.set(rowKey(row), row);
  for (const key of keys) {
    const row = byKey.get(key) ?? (await fleet.get(key));
    if (row !== undefined) found.set(key, row);
  }
  return found;
}

/** The rows of the release's function its target matches (the planner narrows per stage). */
export async function candidatesOf(fleet: Fleet, release: ReleaseRecord): Promise<CandidateRow[]> {
  const rows = await fleet.query({ ...release.spec.target, function: [release.spec.function] });
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
