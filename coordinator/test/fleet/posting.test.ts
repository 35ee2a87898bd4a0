import { describe, expect, it } from "vitest";
import { Posting } from "../../src/fleet/posting.js";

interface Item {
  readonly slot: number;
}

/** Seeded PRNG (mulberry32): the same sequence every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function members(posting: Posting<Item>): number[] {
  return [...posting].map((item) => item.slot).sort((a, b) => a - b);
}

describe("Posting", () => {
  // Every form it takes (array, Set, bitset) and the moves between them, against a plain Set.
  for (const [name, slots, share] of [
    ["a store's few rows", 5000, 0.004],
    ["a version's rows (Set)", 20_000, 0.01],
    ["a status of most rows (bitset)", 5000, 0.8],
    ["growing and shrinking through every form", 8000, 0.5],
  ] as const) {
    it(`holds what was added and not removed: ${name}`, () => {
      const random = prng(slots);
      const table: Item[] = Array.from({ length: slots }, (_, slot) => ({ slot }));
      const posting = new Posting<Item>(table);
      const reference = new Set<Item>();
      for (let step = 0; step < slots * 3; step++) {
        const item = table[Math.floor(random() * slots)] as Item;
        // The last third mostly removes: bitset back to Set back to array.
        const adding = step < slots * 2 ? random() < share : random() < share / 10;
        if (adding && !reference.has(item)) {
          reference.add(item);
          posting.add(item);
        } else if (!adding && reference.has(item)) {
          reference.delete(item);
          posting.remove(item);
        }
        if (step % 997 === 0) expect(posting.size).toBe(reference.size);
      }
      expect(posting.size).toBe(reference.size);
      expect(members(posting)).toEqual(
        [...reference].map((item) => item.slot).sort((a, b) => a - b),
      );
    });
  }

  it("a bitset follows slots added after it was made", () => {
    const table: Item[] = Array.from({ length: 64 }, (_, slot) => ({ slot }));
    const posting = new Posting<Item>(table);
    for (const item of table) posting.add(item);
    for (let slot = 64; slot < 1000; slot++) {
      const item = { slot };
      table.push(item);
      posting.add(item);
    }
    expect(posting.size).toBe(1000);
    expect(members(posting)).toEqual(table.map((item) => item.slot));
  });

  it("removing a non-member changes nothing", () => {
    const table: Item[] = [{ slot: 0 }, { slot: 1 }];
    const posting = new Posting<Item>(table);
    posting.add(table[0] as Item);
    posting.remove(table[1] as Item);
    expect(members(posting)).toEqual([0]);
    expect(posting.size).toBe(1);
  });
});
