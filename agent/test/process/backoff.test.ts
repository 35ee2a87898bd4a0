import { describe, expect, it } from "vitest";
import { Backoff, DEFAULT_BACKOFF } from "../../src/process/backoff.js";

describe("Backoff", () => {
  it("doubles from 0.5 s up to 30 s by default", () => {
    const backoff = new Backoff();
    const delays = Array.from({ length: 9 }, () => backoff.next(100));
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it("starts over after a run that stayed up long enough", () => {
    const backoff = new Backoff({ initialMs: 10, factor: 3, maxMs: 1_000, resetAfterMs: 5_000 });
    expect([backoff.next(0), backoff.next(), backoff.next(4_999)]).toEqual([10, 30, 90]);
    expect(backoff.next(DEFAULT_BACKOFF.resetAfterMs)).toBe(10);
    expect(backoff.next(0)).toBe(30);
  });

  it("never shrinks or goes negative with odd settings", () => {
    const backoff = new Backoff({ initialMs: -5, factor: 0.5, maxMs: -1 });
    expect([backoff.next(), backoff.next()]).toEqual([0, 0]);
  });
});
