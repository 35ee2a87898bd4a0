import { type ServiceRow, validateRows } from "./service-row.js";

/** Rows checked between two yields to the event loop. */
const CHECK_SLICE = 1000;

/**
 * The check both FleetRows stores (JSON, PostgreSQL) make of an upsert batch
 * before anything of it shows or is written: every row well formed, so a
 * refused row does not take the rest of its batch in. In slices of
 * CHECK_SLICE, yielding between them: 10,000 rows take some 50 ms to check,
 * too long to hold status reports and API answers up. Throws naming the
 * slice's first row and the error.
 */
export async function checkRowsInSlices(rows: readonly ServiceRow[]): Promise<ServiceRow[]> {
  const checked: ServiceRow[] = [];
  for (let start = 0; start < rows.length; start += CHECK_SLICE) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    const slice = validateRows(rows.slice(start, start + CHECK_SLICE));
    if (!slice.ok) throw new Error(`fleet rows refused (from row ${start}): ${slice.error}`);
    checked.push(...slice.value);
  }
  return checked;
}
