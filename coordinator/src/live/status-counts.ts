import { type StatusCounts, zeroCounts } from "../fleet/fleet-page.js";
import type { ServiceRow } from "../fleet/service-row.js";

export type { StatusCounts };

/** Counts the rows passing `test`: one walk, for a stream's start (later batches adjust them). */
export function countRows(
  rows: Iterable<ServiceRow>,
  test: (row: ServiceRow) => boolean,
): StatusCounts {
  const counts = zeroCounts();
  for (const row of rows) if (test(row)) counts[row.status] += 1;
  return counts;
}
