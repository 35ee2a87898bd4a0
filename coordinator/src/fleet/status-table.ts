import { NO_UPDATE, type Phase, type Status } from "@tillroll/protocol";
import type { ServiceRow } from "./service-row.js";

/**
 * The Status Overview for people (a console's plain-text table) and for
 * scripts (`toJsonRow`, one object per row with a fixed set of fields).
 */

/** Column headings, in order. */
export const STATUS_TABLE_COLUMNS = [
  "Store",
  "Workstation",
  "Function",
  "Active Version",
  "Preferred Version",
  "Status",
  "Valid From",
  "Business Unit Group",
  "Online",
  "Last Report",
] as const;

/**
 * A row as the Status Overview shows it: the fleet row and, joined in when
 * it is read (like `online`), when the workstation last reported its status
 * to this coordinator (ISO 8601 UTC; null: not since the coordinator
 * started). Absent is the same as null.
 */
export type StatusRow = ServiceRow & {
  readonly lastReport?: string | null;
  /** Issue 11: the release task that holds or will take the row (releases/scheduled-mark.ts). */
  readonly scheduled?: ScheduledMark | null;
  /**
   * Issue 13: `outdated` when the applied recipe differs from the effective
   * one (`tillroll updates` lists it, `rebuild` applies it), `current` when
   * they match, null when the row has neither.
   */
  readonly recipe?: "current" | "outdated" | null;
};

/**
 * A row's scheduled release task (issue 11): the Scheduled or active (not
 * yet OK on its version) task that holds or will take it, and when (its
 * start for mode at, the row's next window opening for mode window, else null).
 */
export interface ScheduledMark {
  readonly release: string;
  readonly name: string;
  /** ISO 8601 UTC, or null. */
  readonly at: string | null;
}

/** Shown only when some row has a recipe (issue 13): `outdated`, `current` or "-". */
export const RECIPE_COLUMN = "Recipe";

/** Shown only when some row has a scheduled task. */
export const SCHEDULED_COLUMN = "SCHEDULED";

/** The SCHEDULED cell: `#3 12-01 01:00Z`, `#3` without a time, "-" for none. */
export function scheduledText(mark: ScheduledMark | null | undefined): string {
  if (mark == null) return NO_UPDATE;
  if (mark.at === null) return `#${mark.release}`;
  return `#${mark.release} ${mark.at.slice(5, 10)} ${mark.at.slice(11, 16)}Z`;
}

/** Reasons longer than this are cut, ending in `…`, so one row stays one line. */
export const MAX_REASON_WIDTH = 60;

const COLUMN_GAP = "  ";

/** Statuses whose cell says why (the reason the agent reported). */
const SHOWS_REASON: ReadonlySet<Status> = new Set<Status>(["Not Ready", "Rolled Back", "Failed"]);

/** Length in code points (an emoji or accented letter counts once). */
function width(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** `text` on one line, cut to `max` code points ending in `…` when longer. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  if (chars.length <= max) return flat;
  return `${chars.slice(0, max - 1).join("")}…`;
}

/**
 * The Status cell: `In Progress (downloading 37 %)`, `In Progress
 * (installing)`, `Not Ready: user alice logged in on till 01`, or the bare
 * status.
 */
export function statusText(
  row: Pick<ServiceRow, "status" | "phase" | "progress" | "reason">,
): string {
  if (row.status === "In Progress") {
    return row.phase === null
      ? row.status
      : `${row.status} (${phaseText(row.phase, row.progress)})`;
  }
  if (SHOWS_REASON.has(row.status) && row.reason !== null && row.reason.trim() !== "") {
    return `${row.status}: ${clip(row.reason, MAX_REASON_WIDTH)}`;
  }
  return row.status;
}

function phaseText(phase: Phase, progress: number | null): string {
  if (progress === null || !Number.isFinite(progress)) return phase;
  const percent = Math.min(100, Math.max(0, Math.floor(progress)));
  return `${phase} ${percent} %`;
}

/**
 * A valid-from for people, in UTC: `2026-11-21 09:30 UTC`, with seconds
 * only when they are not zero; `-` for none.
 */
export function validFromText(validFrom: string | null): string {
  if (validFrom === null) return NO_UPDATE;
  const ms = Date.parse(validFrom);
  if (Number.isNaN(ms)) return validFrom;
  const iso = new Date(ms).toISOString();
  const wholeMinute = iso.slice(16, 23) === ":00.000";
  return `${iso.slice(0, 10)} ${iso.slice(11, wholeMinute ? 16 : 19)} UTC`;
}

/** When a workstation last reported, to the second, in UTC: `2026-11-30 09:01:13 UTC`; `-` for never. */
export function lastReportText(lastReport: string | null | undefined): string {
  if (lastReport === null || lastReport === undefined) return NO_UPDATE;
  const ms = Date.parse(lastReport);
  if (Number.isNaN(ms)) return lastReport;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** The cells of one row, in column order. */
export function statusCells(row: StatusRow): string[] {
  return [
    row.store,
    row.workstation,
    row.function,
    row.activeVersion ?? NO_UPDATE,
    row.preferredVersion ?? NO_UPDATE,
    statusText(row),
    validFromText(row.validFrom),
    row.group ?? NO_UPDATE,
    row.online ? "yes" : "no",
    lastReportText(row.lastReport),
  ];
}

/**
 * The rows as a table: a heading line, then one line per row, columns as
 * wide as their widest cell and two spaces apart, no trailing spaces. Rows
 * are shown in the order given (FleetTable listings are already sorted).
 */
export function formatStatusTable(rows: readonly StatusRow[]): string {
  // The SCHEDULED column only when some row has a scheduled task: the table is otherwise as before.
  const scheduled = rows.some((row) => row.scheduled != null);
  // Issue 13: the Recipe column only when some row has a recipe.
  const recipe = rows.some((row) => row.recipe != null);
  const heading: string[] = [
    ...STATUS_TABLE_COLUMNS,
    ...(scheduled ? [SCHEDULED_COLUMN] : []),
    ...(recipe ? [RECIPE_COLUMN] : []),
  ];
  const cells = (row: StatusRow) => [
    ...statusCells(row),
    ...(scheduled ? [scheduledText(row.scheduled)] : []),
    ...(recipe ? [row.recipe ?? NO_UPDATE] : []),
  ];
  const lines: string[][] = [heading, ...rows.map(cells)];
  const widths = heading.map(() => 0);
  for (const cells of lines) {
    cells.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, width(cell));
    });
  }
  return lines
    .map((cells) =>
      cells
        .map((cell, column) => cell + " ".repeat((widths[column] ?? 0) - width(cell)))
        .join(COLUMN_GAP)
        .trimEnd(),
    )
    .join("\n");
}

/** One row as scripts read it (`--json`): exactly these fields, in this order. */
export interface JsonRow {
  store: string;
  workstation: string;
  function: string;
  activeVersion: string | null;
  preferredVersion: string | null;
  status: Status;
  phase: Phase | null;
  reason: string | null;
  validFrom: string | null;
  group: string | null;
  online: boolean;
  /** When the workstation last reported its status (ISO 8601 UTC); null: not since the coordinator started. */
  lastReport: string | null;
  /** Issue 11: the release task that holds or will take the row; null: none. */
  scheduled: ScheduledMark | null;
  /** Issue 13: the row's recipe is `outdated` (applied ≠ effective) or `current`; null: none. */
  recipe: "current" | "outdated" | null;
}

export function toJsonRow(row: StatusRow): JsonRow {
  return {
    store: row.store,
    workstation: row.workstation,
    function: row.function,
    activeVersion: row.activeVersion,
    preferredVersion: row.preferredVersion,
    status: row.status,
    phase: row.phase,
    reason: row.reason,
    validFrom: row.validFrom,
    group: row.group,
    online: row.online,
    lastReport: row.lastReport ?? null,
    scheduled: row.scheduled ?? null,
    recipe: row.recipe ?? null,
  };
}
