import { nextSpan } from "@tillroll/protocol";
import type { ServiceRow } from "../fleet/service-row.js";
import type { ScheduledMark } from "../fleet/status-table.js";
import { windowKey } from "./release-context.js";
import type { ReleaseContext, ReleaseRecord } from "./release-model.js";
import { scheduledMarker } from "./scheduled-mark.js";

/**
 * The status overview's `scheduled` marker (scheduled-mark.ts) over these
 * releases and who holds what: the leader's runner passes its memory, a
 * follower its view of the stored releases (replicas/release-holds.ts).
 */
export function releaseMarks(
  releases: readonly ReleaseRecord[],
  holding: (key: string) => { id: string } | undefined,
  context: ReleaseContext,
  now: number,
): (row: ServiceRow) => ScheduledMark | null {
  // Rows of stores sharing a window share its next opening: one calculus call per window.
  const openings = new Map<string, number>();
  return scheduledMarker({
    releases,
    holding,
    nextOpening: (row) => {
      const window = context.windowFor(row.store, row.group);
      if (window === null) return null;
      const key = windowKey(window);
      let opensAt = openings.get(key);
      if (opensAt === undefined) {
        opensAt = nextSpan(window, now).opensAt;
        openings.set(key, opensAt);
      }
      return opensAt;
    },
  });
}
