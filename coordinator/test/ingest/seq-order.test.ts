import { describe, expect, it } from "vitest";
import { Presence } from "../../src/ingest/presence.js";
import { RESTART_GAP, seqVerdict } from "../../src/ingest/seq-order.js";

const t = Date.parse("2026-11-30T10:00:00.000Z") * 1000; // an agent seq: µs since 1970

describe("seqVerdict (issue 8 item 9)", () => {
  const cases = [
    { name: "first document", seq: 5, last: undefined, want: "newer" },
    { name: "higher seq", seq: t + 1, last: t, want: "newer" },
    { name: "duplicate", seq: t, last: t, want: "stale" },
    {
      name: "a reordered delivery a few seconds older",
      seq: t - 5_000_000,
      last: t,
      want: "stale",
    },
    { name: "just inside the gap", seq: t - RESTART_GAP, last: t, want: "stale" },
    {
      name: "restart on a clock an hour behind",
      seq: t - 3_600_000_000,
      last: t,
      want: "restarted",
    },
    {
      name: "restart after a clock far ahead was put right",
      seq: t,
      last: t * 2,
      want: "restarted",
    },
    {
      name: "an old counting agent that lost its state is not recognised",
      seq: 1000,
      last: 50_000,
      want: "stale",
    },
  ] as const;
  it.each(cases)("$name", ({ seq, last, want }) => {
    expect(seqVerdict(seq, last)).toBe(want);
  });
});

describe("Presence", () => {
  it("takes a restarted agent's online after its old will", () => {
    const presence = new Presence();
    expect(presence.apply("1001/01", true, t)).toBe("newer");
    expect(presence.apply("1001/01", false, t + 1)).toBe("newer");
    expect(presence.isOnline("1001/01")).toBe(false);
    expect(presence.apply("1001/01", true, t - 1)).toBe("stale");
    expect(presence.isOnline("1001/01")).toBe(false);
    expect(presence.apply("1001/01", true, t - 2 * RESTART_GAP)).toBe("restarted");
    expect(presence.isOnline("1001/01")).toBe(true);
  });
});
