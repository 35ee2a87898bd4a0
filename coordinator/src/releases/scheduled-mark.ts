import { compileFilters } from "../fleet/filters.js";
import { rowKey, type ServiceRow } from "../fleet/service-row.js";
import type { ScheduledMark } from "../fleet/status-table.js";
import { ACTIVE_RELEASE_STATES, type ReleaseRecord } from "./release-model.js";

/**
 * The status overview's `scheduled` field (issue 11): the release task that
 * holds a row and has not brought it to its version yet (Running, Paused,
 * Failed), or else the Scheduled task that will take it (its target
 * matches), earliest first. `at`: the task's start for mode at, the row's
 * next window opening for mode window, else null. Pure: the runner hands in
 * its records, who holds what, and the window lookup.
 */
export interface MarkFacts {
  readonly releases: readonly ReleaseRecord[];
  /** The active release holding a row key. */
  readonly holding: (key: string) => { id: string } | undefined;
  /** The next opening (ms) of the row's store window at or after now; null: no window. */
  readonly nextOpening: (row: Pick<ServiceRow, "store" | "group">) => number | null;
}

/** A marker for many rows (one status answer): filters compiled once. */
export function scheduledMarker(facts: MarkFacts): (row: ServiceRow) => ScheduledMark | null {
  const byId = new Map(facts.releases.map((release) => [release.id, release]));
  const scheduled = facts.releases
    .filter((r) => r.state === "Scheduled" && r.spec.schedule?.mode === "at")
    .map((release) => ({
      release,
      at: Date.parse((release.spec.schedule as { at: string }).at),
      matches: compileFilters({ ...release.spec.target, function: [release.spec.function] }),
    }))
    .sort((a, b) => a.at - b.at || Number(a.release.id) - Number(b.release.id));
  const markOf = (release: ReleaseRecord, at: number | null): ScheduledMark => ({
    release: release.id,
    name: release.spec.name,
    at: at === null || Number.isNaN(at) ? null : new Date(at).toISOString(),
  });
  return (row) => {
    const holder = facts.holding(rowKey(row));
    const active = holder === undefined ? undefined : byId.get(holder.id);
    if (active !== undefined && ACTIVE_RELEASE_STATES.includes(active.state)) {
      const done = row.status === "OK" && row.activeVersion === active.spec.version;
      if (!done) {
        const window = active.spec.schedule?.mode === "window" ? facts.nextOpening(row) : null;
        return markOf(active, window);
      }
    }
    const next = scheduled.find((candidate) => candidate.matches(row));
    return next === undefined ? null : markOf(next.release, next.at);
  };
}
