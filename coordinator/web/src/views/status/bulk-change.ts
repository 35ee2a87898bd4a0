import {
  type ChangeReport,
  compareVersionsDesc,
  NO_VERSION,
  type PageRow,
  type RowChange,
  type RowRef,
  refOf,
} from "./model.js";

/**
 * The bulk change's plan, pure: which versions to offer for a selection,
 * how it splits into requests (set-preferred changes one function at a
 * time), and what the reports of those requests add up to.
 */

/** "-" and every version some selected row may be set to, newest first. */
export function versionsFor(rows: readonly PageRow[]): string[] {
  const all = new Set<string>();
  for (const row of rows) for (const version of row.allowedVersions) all.add(version);
  return [NO_VERSION, ...[...all].sort(compareVersionsDesc)];
}

/** The selection as one request per function, in function order. */
export function byFunction(rows: readonly PageRow[]): { function: string; rows: RowRef[] }[] {
  const groups = new Map<string, RowRef[]>();
  for (const row of rows) {
    const list = groups.get(row.function) ?? [];
    list.push(refOf(row));
    groups.set(row.function, list);
  }
  return [...groups.keys()].sort().map((fn) => ({ function: fn, rows: groups.get(fn) ?? [] }));
}

export interface Outcome {
  changed: number;
  skipped: Extract<RowChange, { kind: "skip" }>[];
  /** A request the server refused as a whole: the function and its sentence. */
  refused: { function: string; message: string }[];
}

/** The reports (or refusals) of the per-function requests, added up. */
export function combine(
  results: readonly (
    | { function: string; report: ChangeReport }
    | { function: string; message: string }
  )[],
): Outcome {
  const outcome: Outcome = { changed: 0, skipped: [], refused: [] };
  for (const result of results) {
    if ("message" in result) {
      outcome.refused.push({ function: result.function, message: result.message });
      continue;
    }
    outcome.changed += result.report.changed.length;
    for (const skip of result.report.skipped) if (skip.kind === "skip") outcome.skipped.push(skip);
  }
  return outcome;
}

export function changeSentence(changed: number, dryRun: boolean): string {
  const rows = changed === 1 ? "1 row" : `${changed} rows`;
  return dryRun ? `${rows} change` : `${rows} changed`;
}
