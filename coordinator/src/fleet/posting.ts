/**
 * The entries of one indexed value (a store, a status, a version...), kept in
 * whichever form is smallest for their count: at 100,000 rows a `Set` costs
 * some 25 bytes per member, so the five indexes of few values (status,
 * function, versions, group) would cost more than the rows' own fields.
 * - up to SMALL members: an array (a store's or workstation's rows);
 * - a share of the table too small for a bitset: a Set;
 * - beyond: a bitset over the entries' slots (one bit per slot in use,
 *   12.5 KB per value at 100,000 rows whatever its count).
 * Members are only ever in one form; iteration order is unspecified
 * (callers sort).
 */

/** What a posting holds: anything with a dense, stable slot number. */
export interface Slotted {
  readonly slot: number;
}

/** Slot number → entry, for walking a bitset. */
export type SlotTable<E> = readonly (E | undefined)[];

/** Members at most, as an array; above, a Set or a bitset. */
const SMALL = 32;

/** Bytes per Set member, roughly (hash table slot, chain, bucket share). */
const SET_BYTES = 24;

export class Posting<E extends Slotted> implements Iterable<E> {
  #array: E[] | null = [];
  #set: Set<E> | null = null;
  #bits: Uint32Array | null = null;
  #size = 0;

  constructor(private readonly slots: SlotTable<E>) {}

  get size(): number {
    return this.#size;
  }

  add(entry: E): void {
    this.#size++;
    if (this.#array !== null) {
      this.#array.push(entry);
      if (this.#array.length > SMALL) this.#reshape();
      return;
    }
    if (this.#set !== null) {
      this.#set.add(entry);
      if (this.#size * SET_BYTES > this.#bitsetBytes() * 2) this.#reshape();
      return;
    }
    this.#setBit(entry.slot);
    // Slots grew since this became a bitset (a table of millions): a Set may be smaller now.
    if (this.#size * SET_BYTES * 2 < this.#bitsetBytes()) this.#reshape();
  }

  /** Removes `entry`, which must be a member. */
  remove(entry: E): void {
    this.#size--;
    if (this.#array !== null) {
      const at = this.#array.indexOf(entry);
      if (at < 0) {
        this.#size++;
        return;
      }
      const last = this.#array.pop() as E;
      if (at >= 0 && at < this.#array.length) this.#array[at] = last;
      return;
    }
    if (this.#set !== null) {
      if (!this.#set.delete(entry)) this.#size++;
      if (this.#size <= SMALL / 2) this.#reshape();
      return;
    }
    const bits = this.#bits as Uint32Array;
    const word = entry.slot >>> 5;
    const bit = 1 << (entry.slot & 31);
    if (word >= bits.length || ((bits[word] as number) & bit) === 0) {
      this.#size++;
      return;
    }
    bits[word] = (bits[word] as number) & ~bit;
    // Back to a Set once it is clearly the smaller form (hysteresis: no flapping).
    if (this.#size * SET_BYTES * 2 < this.#bitsetBytes()) this.#reshape();
  }

  /** Calls `visit` with each member: the fast walk (no iterator objects). */
  forEach(visit: (entry: E) => void): void {
    if (this.#array !== null) {
      for (const entry of this.#array) visit(entry);
      return;
    }
    if (this.#set !== null) {
      for (const entry of this.#set) visit(entry);
      return;
    }
    const bits = this.#bits as Uint32Array;
    const slots = this.slots;
    for (let word = 0; word < bits.length; word++) {
      let value = bits[word] as number;
      while (value !== 0) {
        const low = value & -value;
        const entry = slots[(word << 5) + 31 - Math.clz32(low)];
        if (entry !== undefined) visit(entry);
        value ^= low;
      }
    }
  }

  *[Symbol.iterator](): Iterator<E> {
    if (this.#array !== null) {
      yield* this.#array;
      return;
    }
    if (this.#set !== null) {
      yield* this.#set;
      return;
    }
    const bits = this.#bits as Uint32Array;
    for (let word = 0; word < bits.length; word++) {
      let value = bits[word] as number;
      while (value !== 0) {
        const low = value & -value;
        const entry = this.slots[(word << 5) + 31 - Math.clz32(low)];
        if (entry !== undefined) yield entry;
        value ^= low;
      }
    }
  }

  /** What a bitset over every slot in use would take. */
  #bitsetBytes(): number {
    return Math.ceil(this.slots.length / 32) * 4;
  }

  /** Moves the members into the smallest form for their count. */
  #reshape(): void {
    const members = [...this];
    this.#array = null;
    this.#set = null;
    this.#bits = null;
    if (members.length <= SMALL) {
      this.#array = members;
    } else if (members.length * SET_BYTES <= this.#bitsetBytes()) {
      this.#set = new Set(members);
    } else {
      this.#bits = new Uint32Array(Math.ceil(this.slots.length / 32));
      for (const entry of members) this.#setBit(entry.slot);
    }
  }

  #setBit(slot: number): void {
    const word = slot >>> 5;
    let bits = this.#bits as Uint32Array;
    if (word >= bits.length) {
      // Slots grew past the bitset: double it (amortised).
      const grown = new Uint32Array(Math.max(word + 1, bits.length * 2));
      grown.set(bits);
      this.#bits = bits = grown;
    }
    bits[word] = (bits[word] as number) | (1 << (slot & 31));
  }
}
