import { STATUSES, type Status } from "@tillroll/protocol";
import type { ServiceRow } from "../fleet/service-row.js";

/** Rows per status of a view (CONSOLE-API.md §1 `counts`): every status present, 0 when none. */
export type StatusCounts = Record<Status, number>;

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(STATUSES.map((status) => [status, 0])) as StatusCounts;
}

/** Counts the rows passing `test`: one walk, for a stream's start (later batches adjust them). */
export function countRows(
  rows: Iterable<ServiceRow>,
  test: (row: ServiceRow) => boolean,
): StatusCounts {
  const counts = emptyCounts();
  for (const row of rows) if (test(row)) counts[row.status] += 1;
  return counts;
}
