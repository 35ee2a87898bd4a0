import { STATUSES, type Status } from "@tillroll/protocol/pure";
import semver from "semver";
import type { PageRow } from "../live/page-row.js";
import type { Entry } from "./row-index.js";
import type { ServiceRow } from "./service-row.js";

/**
 * One page of the Status Overview (the web console's table): how a page is
 * asked for (sort column, direction, offset, limit) and the pure parts of
 * answering it: per-status counts, the order of each sort column and the
 * partial selection that keeps a sorted page cheap over 100,000 rows.
 * FleetTable.page walks its rows with these.
 */

/** The columns a page may be sorted by; `store` is the usual store/workstation/function order. */
export const PAGE_SORTS = [
  "store",
  "workstation",
  "function",
  "activeVersion",
  "preferredVersion",
  "status",
  "validFrom",
  "group",
  "updatedAt",
] as const;
export type PageSort = (typeof PAGE_SORTS)[number];

export const SORT_DIRS = ["asc", "desc"] as const;
export type SortDir = (typeof SORT_DIRS)[number];

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 500;

/** Rows per status over the whole view; every status present. */
export type StatusCounts = Record<Status, number>;

export interface PageWindow {
  readonly sort: PageSort;
  readonly dir: SortDir;
  readonly offset: number;
  readonly limit: number;
}

export interface FleetPage {
  /** Rows in the view (every filter and the scope applied), over all pages. */
  readonly total: number;
  readonly counts: StatusCounts;
  readonly rows: ServiceRow[];
}

/** `GET /api/status/page`'s answer. */
export interface StatusPage {
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  readonly counts: StatusCounts;
  readonly rows: PageRow[];
}

/** Distinct values in a caller's scope, for the filter bar's suggestions. */
export interface FleetFacets {
  readonly groups: string[];
  readonly functions: string[];
  /** Active or preferred versions, semver newest first. */
  readonly versions: string[];
}

export function zeroCounts(): StatusCounts {
  return Object.fromEntries(STATUSES.map((status) => [status, 0])) as StatusCounts;
}

const STATUS_RANK: ReadonlyMap<Status, number> = new Map(STATUSES.map((s, i) => [s, i]));

/**
 * Ranks of versions in semver order (1.9.0 before 1.10.0), computed once per
 * page from the distinct versions seen rather than parsed per comparison.
 * A version that is not valid semver sorts after the valid ones, by text.
 */
export function versionRanks(versions: Iterable<string>): Map<string, number> {
  const sorted = [...new Set(versions)].sort((a, b) => {
    const validA = semver.valid(a) !== null;
    const validB = semver.valid(b) !== null;
    if (validA !== validB) return validA ? -1 : 1;
    const order = validA ? semver.compare(a, b) : 0;
    return order !== 0 ? order : a < b ? -1 : a > b ? 1 : 0;
  });
  return new Map(sorted.map((version, rank) => [version, rank]));
}

/**
 * `rank` of every value (a plain loop: TypedArray.from with a map function
 * goes through the iterator protocol and is several times slower).
 */
function ranksOf<T>(values: readonly T[], rank: (value: T) => number): Uint32Array {
  const ranks = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) ranks[i] = rank(values[i] as T);
  return ranks;
}

/** Each value's rank among the distinct values (code-unit order), null ranked 0 (first). */
function textRanks(values: readonly (string | null)[]): Uint32Array {
  const distinct = [...new Set(values)].filter((v): v is string => v !== null).sort();
  const rank = new Map(distinct.map((value, i) => [value, i + 1]));
  return ranksOf(values, (value) => (value === null ? 0 : (rank.get(value) ?? 0)));
}

/**
 * Each value's rank in numeric order, null ranked 0 (first): the values
 * sorted natively, each ranked by where its first equal stands (a binary
 * search), so equal values rank equal without a Set or Map of numbers.
 */
function numberRanks(values: readonly (number | null)[]): Uint32Array {
  let present = 0;
  for (const value of values) if (value !== null) present++;
  const sorted = new Float64Array(present);
  let at = 0;
  for (const value of values) if (value !== null) sorted[at++] = value;
  sorted.sort();
  return ranksOf(values, (value) => {
    if (value === null) return 0;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((sorted[mid] ?? 0) < value) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  });
}

/** The rank of every entry's value in the sort column: equal values, equal ranks; missing first. */
function columnRanks(entries: readonly Entry[], sort: Exclude<PageSort, "store">): Uint32Array {
  switch (sort) {
    case "status":
      return ranksOf(entries, (e) => STATUS_RANK.get(e.row.status) ?? 0);
    case "activeVersion":
    case "preferredVersion": {
      const versions = entries.map((e) => e.row[sort]);
      const ranks = versionRanks(versions.filter((v): v is string => v !== null));
      return ranksOf(versions, (v) => (v === null ? 0 : (ranks.get(v) ?? 0) + 1));
    }
    case "validFrom":
      return numberRanks(entries.map((e) => e.validFromMs));
    case "updatedAt":
      return numberRanks(entries.map((e) => e.updatedAtMs));
    case "group":
      return textRanks(entries.map((e) => e.row.group));
    case "workstation":
    case "function":
      return textRanks(entries.map((e) => e.row[sort]));
  }
}

/** Pages ending at most this deep in a time sort keep a small sorted buffer instead of ranking every row. */
const TOP_MAX = 1000;

/**
 * The first `count` entries by a time (null first ascending, last
 * descending), equal times in the given (usual) order: one pass keeping a
 * small sorted buffer, where ranking a column of 100,000 distinct times
 * needs a sort of them all. A row later than the buffer's last (most rows,
 * once it is full) costs one comparison.
 */
function firstByTime(
  entries: readonly Entry[],
  time: (entry: Entry) => number | null,
  dir: SortDir,
  count: number,
): Entry[] {
  const sign = dir === "asc" ? 1 : -1;
  const keys: number[] = [];
  const kept: Entry[] = [];
  for (const entry of entries) {
    const value = time(entry);
    const key = sign * (value === null ? Number.NEGATIVE_INFINITY : value);
    // Entries come in the usual order, so an equal key goes after the ones kept.
    if (kept.length === count && key >= (keys[count - 1] ?? 0)) continue;
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((keys[mid] ?? 0) <= key) low = mid + 1;
      else high = mid;
    }
    keys.splice(low, 0, key);
    kept.splice(low, 0, entry);
    if (kept.length > count) {
      keys.pop();
      kept.pop();
    }
  }
  return kept;
}

/**
 * Rows `offset` to `offset + limit` of `entries` (given in the usual
 * store/workstation/function order) sorted by a column other than `store`:
 * that column in `dir`, rows with equal values in the usual order (always
 * ascending: stable and readable). The column's values become ranks
 * (integers, equal values equal), and a counting sort by rank, stable by
 * position, orders 100,000 rows in linear time: a comparator sort over the
 * rows took some 300 ms.
 */
export function sortedSlice(
  entries: readonly Entry[],
  sort: Exclude<PageSort, "store">,
  dir: SortDir,
  offset: number,
  limit: number,
): Entry[] {
  const n = entries.length;
  if (offset >= n) return [];
  if ((sort === "validFrom" || sort === "updatedAt") && offset + limit <= TOP_MAX) {
    const time = (entry: Entry) => (sort === "validFrom" ? entry.validFromMs : entry.updatedAtMs);
    return firstByTime(entries, time, dir, offset + limit).slice(offset);
  }
  const ranks = columnRanks(entries, sort);
  let top = 0;
  for (const rank of ranks) if (rank > top) top = rank;
  const bucketOf = (i: number) => {
    const rank = ranks[i] as number;
    return dir === "asc" ? rank : top - rank;
  };
  // starts[b]: where bucket b begins in the sorted order.
  const starts = new Uint32Array(top + 2);
  for (let i = 0; i < n; i++) {
    const next = bucketOf(i) + 1;
    starts[next] = (starts[next] ?? 0) + 1;
  }
  for (let b = 1; b < starts.length; b++) starts[b] = (starts[b] ?? 0) + (starts[b - 1] ?? 0);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const bucket = bucketOf(i);
    const at = starts[bucket] ?? 0;
    order[at] = i;
    starts[bucket] = at + 1;
  }
  const page: Entry[] = [];
  const end = Math.min(n, offset + limit);
  for (let j = offset; j < end; j++) page.push(entries[order[j] ?? 0] as Entry);
  return page;
}
