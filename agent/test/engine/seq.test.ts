import { describe, expect, it } from "vitest";
import { nextSeq, TIME_SEQ_LIMIT } from "../../src/engine/seq.js";

const now = Date.parse("2026-11-30T10:00:00.000Z");

describe("agent seqs are time-based and monotonic (issue 8 item 9)", () => {
  const cases = [
    { name: "a fresh state starts at the clock, in µs", next: 1, at: now, want: now * 1000 },
    { name: "many in one ms still grow", next: now * 1000 + 5, at: now, want: now * 1000 + 5 },
    {
      name: "a clock stepped back does not pull seqs back",
      next: (now + 60_000) * 1000,
      at: now,
      want: (now + 60_000) * 1000,
    },
    { name: "a clock at 1970 (dead RTC) leaves the counter", next: 42, at: 0, want: 42 },
    { name: "a clock before 1970 leaves the counter", next: 42, at: -5, want: 42 },
    {
      name: "a clock in the year 2300 is not trusted",
      next: 42,
      at: Date.parse("2300-01-01T00:00:00Z"),
      want: 42,
    },
    { name: "NaN time leaves the counter", next: 42, at: Number.NaN, want: 42 },
  ];
  it.each(cases)("$name", ({ next, at, want }) => {
    expect(nextSeq(next, at)).toBe(want);
  });

  it("stays within the protocol's bound (2^53 - 1) for every trusted clock", () => {
    expect(TIME_SEQ_LIMIT).toBeLessThan(Number.MAX_SAFE_INTEGER);
    expect(Number.isSafeInteger(nextSeq(1, TIME_SEQ_LIMIT / 1000))).toBe(true);
  });

  it("a state lost and started again sorts after what was sent before", () => {
    const before = nextSeq(nextSeq(1, now) + 1, now + 10);
    const afterLoss = nextSeq(1, now + 1_000);
    expect(afterLoss).toBeGreaterThan(before);
  });
});
