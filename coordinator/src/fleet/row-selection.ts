import type { Filters } from "./filters.js";
import { rowKey, type ServiceRef } from "./service-row.js";

/**
 * A change narrowed to rows picked by hand (`rows` in a set-preferred or
 * retry body, issue 12): the rows the filters match AND the list names. The
 * stores of the list become a store filter when none is given, so the query
 * starts from the store index instead of the whole fleet; `keeps` then drops
 * every row the list does not name.
 */
export interface RowSelection {
  readonly filters: Filters;
  readonly keeps: (ref: ServiceRef) => boolean;
}

export function selectRows(
  filters: Filters,
  rows: readonly ServiceRef[] | undefined,
): RowSelection {
  if (rows === undefined) return { filters, keeps: () => true };
  const keys = new Set(rows.map((row) => rowKey(row)));
  const stores = [...new Set(rows.map((row) => row.store))];
  return {
    filters: filters.store === undefined ? { ...filters, store: stores } : filters,
    keeps: (ref) => keys.has(rowKey(ref)),
  };
}
