import { describe, expect, it } from "vitest";
import { sweepOver } from "../../src/ingest/retained-sweep.js";

/** When the new leader's read of the retained reports is over (ingest/retained-sweep.ts). */
describe("sweepOver", () => {
  const timing = { quietMs: 500, maxMs: 15_000 };
  it.each([
    ["nothing retained, just after the SUBACK", 1_000, null, 1_100, false],
    ["nothing retained, quiet since the SUBACK", 1_000, null, 1_500, true],
    ["messages still arriving", 1_000, 9_800, 10_000, false],
    ["quiet since the last message", 1_000, 9_500, 10_000, true],
    ["a burst that never goes quiet ends at maxMs", 1_000, 15_990, 16_000, true],
    ["just before maxMs, still arriving", 1_000, 15_900, 15_999, false],
  ] as const)("%s", (_what, subackAt, lastRetainedAt, now, over) => {
    expect(sweepOver(subackAt, lastRetainedAt, now, timing)).toBe(over);
  });
});
