import { Posting, type SlotTable } from "./posting.js";
import { compareRows, type ServiceRow } from "./service-row.js";

/**
 * Building blocks of FleetTable's indexes: the stored entry, a value → entries
 * index, and the listing order kept up to date cheaply under inserts and
 * deletes.
 */

/** A stored row with what queries need precomputed. */
export interface Entry {
  readonly key: string;
  /** Dense number of this entry (reused after a delete): its bit in the large postings. */
  readonly slot: number;
  row: ServiceRow;
  /** row.validFrom as epoch ms (null: none), parsed once per change rather than per query. */
  validFromMs: number | null;
  /** row.updatedAt as epoch ms, for sorting a page by it (fleet-page.ts). */
  updatedAtMs: number;
  /** False once deleted; dead entries leave the listing order at its next merge. */
  alive: boolean;
}

/**
 * The listing order: store, workstation, function. (Compared field by field
 * rather than through a joined sort key: one string less per row.)
 */
export const bySortKey = (a: Entry, b: Entry): number => compareRows(a.row, b.row);

/** value → the entries that have it; empty postings are removed so `keys()` lists only values in use. */
export class MultiIndex<K> {
  readonly #postings = new Map<K, Posting<Entry>>();

  constructor(private readonly slots: SlotTable<Entry>) {}

  /** Adds `entry`; true when `value` is new to the index. */
  add(value: K, entry: Entry): boolean {
    const posting = this.#postings.get(value);
    if (posting !== undefined) {
      posting.add(entry);
      return false;
    }
    const fresh = new Posting(this.slots);
    fresh.add(entry);
    this.#postings.set(value, fresh);
    return true;
  }

  /** Removes `entry`; true when `value` has no entries left. */
  remove(value: K, entry: Entry): boolean {
    const posting = this.#postings.get(value);
    if (posting === undefined) return false;
    posting.remove(entry);
    if (posting.size > 0) return false;
    this.#postings.delete(value);
    return true;
  }

  /** The entries with `value` (unordered), or undefined when none has it. */
  get(value: K): Posting<Entry> | undefined {
    return this.#postings.get(value);
  }

  keys(): IterableIterator<K> {
    return this.#postings.keys();
  }
}

/**
 * All live entries sorted by sortKey. Inserts and deletes are only noted;
 * the next read sorts the new entries and merges them in, dropping dead
 * ones, in one pass: O(n + k log k) for k changes, so loading 100,000 rows
 * one by one costs one sort, and a single insert between queries one merge.
 */
export class ListingOrder {
  #sorted: Entry[] = [];
  #pending: Entry[] = [];
  #dirty = false;

  add(entry: Entry): void {
    this.#pending.push(entry);
    this.#dirty = true;
  }

  /** Marks `entry` dead; it leaves the order at the next read. */
  remove(entry: Entry): void {
    entry.alive = false;
    this.#dirty = true;
  }

  /** The live entries in listing order (do not modify). */
  entries(): readonly Entry[] {
    if (!this.#dirty) return this.#sorted;
    const fresh = this.#pending.filter((entry) => entry.alive).sort(bySortKey);
    const old = this.#sorted;
    const merged: Entry[] = [];
    let i = 0;
    let j = 0;
    while (i < old.length || j < fresh.length) {
      const a = old[i];
      if (a !== undefined && !a.alive) {
        i++;
        continue;
      }
      const b = fresh[j];
      if (a !== undefined && (b === undefined || bySortKey(a, b) < 0)) {
        merged.push(a);
        i++;
      } else if (b !== undefined) {
        merged.push(b);
        j++;
      }
    }
    this.#sorted = merged;
    this.#pending = [];
    this.#dirty = false;
    return merged;
  }
}
