import { allowedVersions, NO_UPDATE, type PackVersionInfo } from "@tillroll/protocol";
import type { ServiceRow } from "../fleet/service-row.js";
import type { ScheduledMark, StatusRow } from "../fleet/status-table.js";
import type { RecipeSource } from "../recipes/recipe-source.js";
import type { ScheduleFacts } from "../schedules/schedule-model.js";
import { wsKey } from "../state/coordinator-state.js";

/**
 * A row of the console's status mask (CONSOLE-API.md §1, PageRow): the
 * status row as `/api/status` has it, the versions it may be set to (newest
 * first, without "-", which the console prepends), whether it may be
 * selected for a change (not while In Progress) and its store's time zone.
 */
export type PageRow = StatusRow & {
  readonly allowedVersions: string[];
  readonly selectable: boolean;
  /** The IANA zone of the row's store (its window's, else its own setting), else null. */
  readonly storeZone: string | null;
};

export interface PageRowDeps {
  isOnline(wsKey: string): boolean;
  lastReport(wsKey: string): string | null;
  /** The release task holding or taking each row (issue 11); absent: none. */
  scheduledMarks?: (() => (row: ServiceRow) => ScheduledMark | null) | undefined;
  /** The versions of a function that may be offered (withdrawn ones are not). */
  packsOf(fn: string): Promise<readonly PackVersionInfo[]>;
  schedules: Pick<ScheduleFacts, "windowFor" | "storeSetting">;
  /** Issue 13: the recipe mark of each row, read once per builder; absent: rows carry none. */
  recipes?: Pick<RecipeSource, "marker"> | undefined;
}

/**
 * A synchronous page-row builder for rows of `functions`: their packs are
 * read once here, and allowed versions and zones are remembered per
 * (function, active version) and store, so a batch of 10,000 rows costs a
 * few lookups each.
 */
export async function pageRowMaker(
  deps: PageRowDeps,
  functions: Iterable<string>,
): Promise<(row: ServiceRow) => PageRow> {
  const packs = new Map<string, readonly PackVersionInfo[]>();
  for (const fn of new Set(functions)) packs.set(fn, await deps.packsOf(fn));
  const scheduled = deps.scheduledMarks?.() ?? (() => null);
  const recipe = await deps.recipes?.marker();
  const versions = new Map<string, string[]>();
  const zones = new Map<string, string | null>();
  const versionsOf = (row: ServiceRow): string[] => {
    const at = `${row.function}@${row.activeVersion ?? NO_UPDATE}`;
    let found = versions.get(at);
    if (found === undefined) {
      found = allowedOrNone(row.activeVersion, packs.get(row.function) ?? []);
      versions.set(at, found);
    }
    return [...found];
  };
  const zoneOf = (row: ServiceRow): string | null => {
    const at = `${row.store}@${row.group ?? ""}`;
    let zone = zones.get(at);
    if (zone === undefined) {
      zone =
        deps.schedules.windowFor(row.store, row.group)?.window.tz ??
        deps.schedules.storeSetting(row.store)?.tz ??
        null;
      zones.set(at, zone);
    }
    return zone;
  };
  return (row) => {
    const key = wsKey(row);
    return {
      ...row,
      online: deps.isOnline(key),
      lastReport: deps.lastReport(key),
      scheduled: scheduled(row),
      allowedVersions: versionsOf(row),
      selectable: row.status !== "In Progress",
      storeZone: zoneOf(row),
      ...(recipe === undefined ? {} : { recipe: recipe(row) }),
    };
  };
}

/** The semver versions a row may be set to, newest first; none for an active version that is not semver. */
function allowedOrNone(active: string | null, packs: readonly PackVersionInfo[]): string[] {
  try {
    return allowedVersions(active, packs).filter((version) => version !== NO_UPDATE);
  } catch {
    return [];
  }
}
