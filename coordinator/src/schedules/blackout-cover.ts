import { groupMatches } from "@tillroll/protocol";
import type { Blackout } from "./schedule-model.js";

/**
 * Which blackouts hold which rows (pure). A platform blackout (group null)
 * covers every row, with or without a group; a group blackout covers the
 * rows of that group and of its subgroups. Periods are half open,
 * [from, to): a blackout until 06:00 no longer holds at 06:00.
 */

/** Whether `blackout` covers a row of `group` (releases ask it too, of their BlackoutFacts). */
export function blackoutCoversGroup(
  blackout: Pick<Blackout, "group">,
  group: string | null,
): boolean {
  return blackout.group === null || groupMatches(group, blackout.group);
}

function span(blackout: Blackout): { from: number; to: number } {
  return { from: Date.parse(blackout.from), to: Date.parse(blackout.to) };
}

/** Blackouts covering a row of `group` at `atMs`, earliest start first. */
export function blackoutsAt(
  blackouts: readonly Blackout[],
  group: string | null,
  atMs: number,
): Blackout[] {
  return byStart(
    blackouts.filter((b) => {
      const { from, to } = span(b);
      return blackoutCoversGroup(b, group) && from <= atMs && atMs < to;
    }),
  );
}

/** Blackouts covering a row of `group` whose period overlaps [fromMs, toMs); an instant (from == to) counts as at. */
export function blackoutsOverlapping(
  blackouts: readonly Blackout[],
  group: string | null,
  fromMs: number,
  toMs: number,
): Blackout[] {
  if (toMs <= fromMs) return blackoutsAt(blackouts, group, fromMs);
  return byStart(
    blackouts.filter((b) => {
      const { from, to } = span(b);
      return blackoutCoversGroup(b, group) && from < toMs && fromMs < to;
    }),
  );
}

/** Blackouts whose end is after `nowMs` (current and upcoming), earliest start first. */
export function upcomingBlackouts(blackouts: readonly Blackout[], nowMs: number): Blackout[] {
  return byStart(blackouts.filter((b) => span(b).to > nowMs));
}

/** Earliest start first, then by id (numeric). */
export function byStart(blackouts: readonly Blackout[]): Blackout[] {
  return [...blackouts].sort(
    (a, b) => Date.parse(a.from) - Date.parse(b.from) || Number(a.id) - Number(b.id),
  );
}

/** `blackout 2 (Christmas freeze, 2026-12-20T00:00:00Z to 2026-12-27T00:00:00Z)`: how refusals name one. */
export function describeBlackout(blackout: Blackout): string {
  const short = (iso: string) => iso.replace(/\.000Z$/, "Z");
  return `blackout ${blackout.id} (${blackout.reason}, ${short(blackout.from)} to ${short(blackout.to)})`;
}
