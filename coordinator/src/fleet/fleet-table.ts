import type { Result } from "@tillroll/protocol";
import { compileFilters, type Filters, type RowPredicate } from "./filters.js";
import {
  type FleetFacets,
  type FleetPage,
  type PageWindow,
  sortedSlice,
  versionRanks,
  zeroCounts,
} from "./fleet-page.js";
import { bySortKey, type Entry, ListingOrder, MultiIndex } from "./row-index.js";
import { freezeRow, rowKey, rowSortKey, type ServiceRow, validateRows } from "./service-row.js";

/** Where a query starts: the smallest index hit (a union of sets for lists and group prefixes). */
interface Candidates {
  readonly sets: readonly ReadonlySet<Entry>[];
  readonly count: number;
}

/**
 * Below this share of the table, a query walks its best index and sorts the
 * hits; above it, walking the table in order and testing every row is
 * cheaper than sorting that many.
 */
const INDEX_SHARE = 1 / 8;

/** Most store × workstation pairs looked up in the workstation index for one query. */
const MAX_PAIRS = 256;

function parseValidFrom(validFrom: string | null): number | null {
  return validFrom === null ? null : Date.parse(validFrom);
}

/**
 * The fleet inventory in memory: one row per flow service per workstation,
 * keyed `store/workstation/function`, with secondary indexes by store,
 * workstation, function, status, active and preferred version and business
 * unit group, so selective queries over 100,000 rows touch only their hits.
 * Rows are stored frozen; every listing is sorted by store, workstation,
 * function.
 */
export class FleetTable {
  readonly #entries = new Map<string, Entry>();
  readonly #byStore = new MultiIndex<string>();
  readonly #byWorkstation = new MultiIndex<string>();
  readonly #byFunction = new MultiIndex<string>();
  readonly #byStatus = new MultiIndex<string>();
  readonly #byActive = new MultiIndex<string | null>();
  readonly #byPreferred = new MultiIndex<string | null>();
  readonly #byGroup = new MultiIndex<string>();
  /** Group names in use, sorted; null when a group came or went since the last sort. */
  #groupNames: string[] | null = [];
  readonly #order = new ListingOrder();

  /** A table holding `rows`; a later row with the same key replaces an earlier one. */
  static fromRows(rows: Iterable<ServiceRow>): FleetTable {
    const table = new FleetTable();
    for (const row of rows) table.upsert(row);
    table.#order.entries();
    return table;
  }

  /** A table from stored rows (a fleet file), validated: bad rows or duplicate keys refuse it all. */
  static fromJSON(data: unknown): Result<FleetTable> {
    const rows = validateRows(data);
    if (!rows.ok) return rows;
    return { ok: true, value: FleetTable.fromRows(rows.value) };
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): ServiceRow | undefined {
    return this.#entries.get(key)?.row;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Inserts `row` or replaces the row with its key; returns the row it replaced. */
  upsert(row: ServiceRow): ServiceRow | undefined {
    const stored = freezeRow(row);
    const key = rowKey(stored);
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      const fresh: Entry = {
        key,
        sortKey: rowSortKey(stored),
        row: stored,
        validFromMs: parseValidFrom(stored.validFrom),
        updatedAtMs: Date.parse(stored.updatedAt),
        alive: true,
      };
      this.#entries.set(key, fresh);
      this.#index(fresh);
      this.#order.add(fresh);
      return undefined;
    }
    const previous = entry.row;
    this.#unindexChanged(entry, stored);
    entry.row = stored;
    entry.validFromMs = parseValidFrom(stored.validFrom);
    entry.updatedAtMs = Date.parse(stored.updatedAt);
    this.#indexChanged(entry, previous);
    return previous;
  }

  /** Removes the row with `key`; false if there was none. */
  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    this.#unindex(entry);
    this.#order.remove(entry);
    return true;
  }

  /** The services of one workstation, by function. */
  rowsOfWorkstation(store: string, workstation: string): ServiceRow[] {
    const set = this.#byWorkstation.get(`${store}/${workstation}`);
    return set === undefined ? [] : [...set].sort(bySortKey).map((entry) => entry.row);
  }

  /** The rows passing every filter, sorted by store, workstation, function. */
  query(filters: Filters = {}): ServiceRow[] {
    const test = compileFilters(filters);
    const candidates = this.#candidates(filters);
    if (candidates !== undefined && candidates.count === 0) return [];
    if (candidates === undefined || candidates.count > this.size * INDEX_SHARE) {
      const rows: ServiceRow[] = [];
      for (const entry of this.#order.entries()) {
        if (test(entry.row, entry.validFromMs)) rows.push(entry.row);
      }
      return rows;
    }
    const hits: Entry[] = [];
    for (const set of candidates.sets) {
      for (const entry of set) if (test(entry.row, entry.validFromMs)) hits.push(entry);
    }
    return hits.sort(bySortKey).map((entry) => entry.row);
  }

  /**
   * One page of the rows passing `filters` inside `scope` (a business unit
   * group, null: the whole fleet): the scope is part of the view before
   * anything is counted, so `total` and `counts` never include a row the
   * caller may not see. One pass counts by status and collects; the `store`
   * sort walks the listing order (no sort), other sorts keep only the first
   * `offset + limit` matches in order (fleet-page.ts).
   */
  page(filters: Filters, scope: string | null, window: PageWindow): FleetPage {
    // The scope as a group filter when none is given, so its index can narrow the walk.
    const view: Filters =
      scope !== null && filters.group === undefined ? { ...filters, group: [scope] } : filters;
    const viewTest = compileFilters(view);
    const scopeTest =
      scope !== null && filters.group !== undefined ? compileFilters({ group: [scope] }) : null;
    const test: RowPredicate =
      scopeTest === null ? viewTest : (row, ms) => viewTest(row, ms) && scopeTest(row);
    const counts = zeroCounts();
    const { entries, sorted } = this.#matchSource(view);
    if (window.sort === "store") {
      const rows: ServiceRow[] = [];
      let total = 0;
      const listed = sorted ? entries : [...entries].sort(bySortKey);
      const last = listed.length - 1;
      for (let i = 0; i <= last; i++) {
        const entry = listed[window.dir === "asc" ? i : last - i] as Entry;
        if (!test(entry.row, entry.validFromMs)) continue;
        counts[entry.row.status]++;
        if (total >= window.offset && total < window.offset + window.limit) rows.push(entry.row);
        total++;
      }
      return { total, counts, rows };
    }
    // In the usual order, which breaks ties of the sort column.
    const listed = sorted ? entries : [...entries].sort(bySortKey);
    const hits: Entry[] = [];
    for (const entry of listed) {
      if (!test(entry.row, entry.validFromMs)) continue;
      counts[entry.row.status]++;
      hits.push(entry);
    }
    const rows = sortedSlice(hits, window.sort, window.dir, window.offset, window.limit).map(
      (entry) => entry.row,
    );
    return { total: hits.length, counts, rows };
  }

  /**
   * The distinct business unit groups, functions and versions (active or
   * preferred, semver newest first) of the rows inside `scope` (null: the
   * whole fleet, read straight from the indexes), each sorted.
   */
  facets(scope: string | null): FleetFacets {
    const groups = new Set<string>();
    const functions = new Set<string>();
    const versions = new Set<string>();
    if (scope === null) {
      for (const group of this.#sortedGroups()) groups.add(group);
      for (const fn of this.#byFunction.keys()) functions.add(fn);
      for (const version of this.#byActive.keys()) if (version !== null) versions.add(version);
      for (const version of this.#byPreferred.keys()) if (version !== null) versions.add(version);
    } else {
      for (const set of this.#groupCandidates([scope]).sets) {
        for (const { row } of set) {
          if (row.group !== null) groups.add(row.group);
          functions.add(row.function);
          if (row.activeVersion !== null) versions.add(row.activeVersion);
          if (row.preferredVersion !== null) versions.add(row.preferredVersion);
        }
      }
    }
    return {
      groups: [...groups].sort(),
      functions: [...functions].sort(),
      versions: [...versionRanks(versions).keys()].reverse(),
    };
  }

  /**
   * Where a query's matches are: the smallest index hit (unsorted) when it
   * is a small share of the table, else the whole table in listing order.
   */
  #matchSource(filters: Filters): { entries: readonly Entry[]; sorted: boolean } {
    const candidates = this.#candidates(filters);
    if (candidates === undefined || candidates.count > this.size * INDEX_SHARE) {
      return { entries: this.#order.entries(), sorted: true };
    }
    const hits: Entry[] = [];
    for (const set of candidates.sets) for (const entry of set) hits.push(entry);
    return { entries: hits, sorted: false };
  }

  /** How many rows have `status`, read from the index (metrics: no walk over every row). */
  countWithStatus(status: string): number {
    return this.#byStatus.get(status)?.size ?? 0;
  }

  /** Every row, sorted by store, workstation, function. */
  all(): ServiceRow[] {
    return this.#order.entries().map((entry) => entry.row);
  }

  /** The rows to store (sorted); `FleetTable.fromJSON` reads them back. */
  toJSON(): ServiceRow[] {
    return this.all();
  }

  /** Business unit groups in use, sorted. */
  groups(): string[] {
    return [...this.#sortedGroups()];
  }

  #index(entry: Entry): void {
    const row = entry.row;
    this.#byStore.add(row.store, entry);
    this.#byWorkstation.add(`${row.store}/${row.workstation}`, entry);
    this.#byFunction.add(row.function, entry);
    this.#byStatus.add(row.status, entry);
    this.#byActive.add(row.activeVersion, entry);
    this.#byPreferred.add(row.preferredVersion, entry);
    if (row.group !== null && this.#byGroup.add(row.group, entry)) this.#groupNames = null;
  }

  #unindex(entry: Entry): void {
    const row = entry.row;
    this.#byStore.remove(row.store, entry);
    this.#byWorkstation.remove(`${row.store}/${row.workstation}`, entry);
    this.#byFunction.remove(row.function, entry);
    this.#byStatus.remove(row.status, entry);
    this.#byActive.remove(row.activeVersion, entry);
    this.#byPreferred.remove(row.preferredVersion, entry);
    if (row.group !== null && this.#byGroup.remove(row.group, entry)) this.#groupNames = null;
  }

  /** Before replacing entry.row with `next`: drops index entries for the values that change. */
  #unindexChanged(entry: Entry, next: ServiceRow): void {
    const row = entry.row;
    if (row.status !== next.status) this.#byStatus.remove(row.status, entry);
    if (row.activeVersion !== next.activeVersion) this.#byActive.remove(row.activeVersion, entry);
    if (row.preferredVersion !== next.preferredVersion) {
      this.#byPreferred.remove(row.preferredVersion, entry);
    }
    if (row.group !== next.group && row.group !== null) {
      if (this.#byGroup.remove(row.group, entry)) this.#groupNames = null;
    }
  }

  /** After replacing entry.row: adds index entries for the values that changed from `previous`. */
  #indexChanged(entry: Entry, previous: ServiceRow): void {
    const row = entry.row;
    if (row.status !== previous.status) this.#byStatus.add(row.status, entry);
    if (row.activeVersion !== previous.activeVersion) this.#byActive.add(row.activeVersion, entry);
    if (row.preferredVersion !== previous.preferredVersion) {
      this.#byPreferred.add(row.preferredVersion, entry);
    }
    if (row.group !== previous.group && row.group !== null) {
      if (this.#byGroup.add(row.group, entry)) this.#groupNames = null;
    }
  }

  /**
   * The smallest index hit among the filters that have an index, or
   * undefined when none does (only validFrom bounds, or no filter). A list
   * filter's hit is the union of its values' index sets: each row has one
   * value per indexed field, so the sets are disjoint and the union is a
   * list of sets, not a copy.
   */
  #candidates(filters: Filters): Candidates | undefined {
    const options: Candidates[] = [];
    const union = <K>(index: MultiIndex<K>, values: readonly K[]): Candidates => {
      const sets: ReadonlySet<Entry>[] = [];
      let count = 0;
      for (const value of new Set(values)) {
        const set = index.get(value);
        if (set === undefined) continue;
        sets.push(set);
        count += set.size;
      }
      return { sets, count };
    };
    const { store, workstation } = filters;
    if (store !== undefined) {
      options.push(union(this.#byStore, store));
      // The workstation index is keyed store/workstation: worth it while the pairs are few.
      if (workstation !== undefined && store.length * workstation.length <= MAX_PAIRS) {
        const pairs = store.flatMap((s) => workstation.map((w) => `${s}/${w}`));
        options.push(union(this.#byWorkstation, pairs));
      }
    }
    if (filters.function !== undefined) options.push(union(this.#byFunction, filters.function));
    if (filters.status !== undefined) options.push(union<string>(this.#byStatus, filters.status));
    if (filters.activeVersion !== undefined) {
      options.push(union(this.#byActive, filters.activeVersion));
    }
    if (filters.preferredVersion !== undefined) {
      options.push(union(this.#byPreferred, filters.preferredVersion));
    }
    if (filters.group !== undefined) options.push(this.#groupCandidates(filters.group));
    let best: Candidates | undefined;
    for (const option of options)
      if (best === undefined || option.count < best.count) best = option;
    return best;
  }

  /**
   * The groups `prefixes` and their subgroups: each exact name, then every
   * name starting `prefix/` (one run when sorted). A name reached from two
   * prefixes (`DE` and `DE/North`) is taken once.
   */
  #groupCandidates(prefixes: readonly string[]): Candidates {
    const names = this.#sortedGroups();
    const taken = new Set<string>();
    const sets: ReadonlySet<Entry>[] = [];
    let count = 0;
    const take = (group: string): void => {
      if (taken.has(group)) return;
      taken.add(group);
      const set = this.#byGroup.get(group);
      if (set === undefined) return;
      sets.push(set);
      count += set.size;
    };
    for (const prefix of prefixes) {
      take(prefix);
      const start = `${prefix}/`;
      let low = 0;
      let high = names.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if ((names[mid] as string) < start) low = mid + 1;
        else high = mid;
      }
      for (let i = low; i < names.length && (names[i] as string).startsWith(start); i++) {
        take(names[i] as string);
      }
    }
    return { sets, count };
  }

  #sortedGroups(): readonly string[] {
    if (this.#groupNames === null) this.#groupNames = [...this.#byGroup.keys()].sort();
    return this.#groupNames;
  }
}
