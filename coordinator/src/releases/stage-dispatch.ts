import { isOkOnVersion } from "./member-outcome.js";
import type { MemberOutcome } from "./release-model.js";

/**
 * Which queued members of a running stage to send now. Without maxPerStore:
 * all of them. With one: per store, members sent and not yet OK on the
 * version are in flight; queued members (listing order) are sent while the
 * store's in-flight count is below maxPerStore, so a store's next till goes
 * only after an earlier one is OK (never all tills of a store down at
 * once). Held members (a failed till in the store) are never picked.
 */
export function pickSends(
  outcomes: readonly MemberOutcome[],
  byStore: ReadonlyMap<string, readonly number[]>,
  maxPerStore: number | null,
): number[] {
  const picked: number[] = [];
  if (maxPerStore === null) {
    outcomes.forEach((outcome, index) => {
      if (outcome === "queued") picked.push(index);
    });
    return picked;
  }
  for (const indexes of byStore.values()) {
    let inFlight = 0;
    for (const i of indexes) {
      const outcome = outcomes[i] as MemberOutcome;
      if (outcome !== "queued" && outcome !== "held" && !isOkOnVersion(outcome)) inFlight++;
    }
    for (const i of indexes) {
      if (inFlight >= maxPerStore) break;
      if (outcomes[i] !== "queued") continue;
      picked.push(i);
      inFlight++;
    }
  }
  // Listing order, whatever the order of the stores in the map.
  return picked.sort((a, b) => a - b);
}
