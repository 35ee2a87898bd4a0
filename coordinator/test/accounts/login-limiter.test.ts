import { describe, expect, it } from "vitest";
import { LoginLimiter } from "../../src/accounts/login-limiter.js";
import { fakeClock } from "./helpers.js";

function limiter(overrides: Partial<ConstructorParameters<typeof LoginLimiter>[0]> = {}) {
  const clock = fakeClock();
  const limits = new LoginLimiter({
    now: clock.now,
    freeFailuresPerName: 3,
    freeFailuresPerAddress: 10,
    baseDelayMs: 1_000,
    maxDelayMs: 8_000,
    forgetAfterMs: 60_000,
    ...overrides,
  });
  return { clock, limits };
}

describe("LoginLimiter per name", () => {
  it("allows a few failures, then blocks with a delay that doubles up to the cap", () => {
    const { clock, limits } = limiter();
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const gate = limits.check("anna", `10.0.0.${i}`);
      if (!gate.allowed) {
        waits.push(gate.retryAfterMs);
        clock.advance(gate.retryAfterMs);
      }
      limits.recordFailure("anna", `10.0.0.${i}`);
    }
    // failures 1-3 free; the 4th blocks 1 s, then 2 s, 4 s, 8 s (cap)
    expect(waits).toEqual([1_000, 2_000, 4_000]);
    expect(limits.check("anna", "10.0.0.99")).toEqual({ allowed: false, retryAfterMs: 8_000 });
    clock.advance(8_000);
    limits.recordFailure("anna", "10.0.0.99");
    expect(limits.check("anna", "10.0.0.99")).toEqual({ allowed: false, retryAfterMs: 8_000 });
  });

  it("counts Anna and anna as one name", () => {
    const { limits } = limiter({ freeFailuresPerName: 1 });
    limits.recordFailure("Anna", "a");
    limits.recordFailure("ANNA", "b");
    expect(limits.check("anna", "c").allowed).toBe(false);
  });

  it("does not block other names", () => {
    const { limits } = limiter({ freeFailuresPerName: 1 });
    limits.recordFailure("anna", "a");
    expect(limits.check("bert", "b")).toEqual({ allowed: true });
  });

  it("clears a name's count on a good login", () => {
    const { limits } = limiter();
    for (let i = 0; i < 3; i++) limits.recordFailure("anna", "a");
    limits.recordSuccess("anna", "a");
    limits.recordFailure("anna", "a");
    expect(limits.check("anna", "a")).toEqual({ allowed: true });
  });

  it("forgets a name after a quiet period", () => {
    const { clock, limits } = limiter();
    for (let i = 0; i < 4; i++) limits.recordFailure("anna", "a");
    expect(limits.check("anna", "a").allowed).toBe(false);
    clock.advance(60_000);
    expect(limits.check("anna", "a")).toEqual({ allowed: true });
    limits.recordFailure("anna", "a"); // counts from one again
    expect(limits.check("anna", "a")).toEqual({ allowed: true });
  });
});

describe("LoginLimiter per address", () => {
  it("blocks one address guessing many names, not other addresses", () => {
    const { limits } = limiter();
    for (let i = 0; i < 11; i++) limits.recordFailure(`name${i}`, "10.0.0.1");
    expect(limits.check("someone", "10.0.0.1")).toEqual({ allowed: false, retryAfterMs: 1_000 });
    expect(limits.check("someone", "10.0.0.2")).toEqual({ allowed: true });
  });

  it("is not reset by a good login of another account from that address", () => {
    const { limits } = limiter();
    for (let i = 0; i < 11; i++) limits.recordFailure(`name${i}`, "10.0.0.1");
    limits.recordSuccess("mallory", "10.0.0.1");
    expect(limits.check("someone", "10.0.0.1").allowed).toBe(false);
  });
});

describe("LoginLimiter memory", () => {
  it("keeps at most maxEntries keys, dropping forgotten ones first, then the oldest", () => {
    const { clock, limits } = limiter({ maxEntries: 100, freeFailuresPerName: 1 });
    limits.recordFailure("anna", "a");
    limits.recordFailure("anna", "a"); // anna blocked
    for (let i = 0; i < 1000; i++) limits.recordFailure(`n${i}`, `addr${i}`);
    expect(limits.size).toBeLessThanOrEqual(100);
    // after the quiet period every old key is forgotten and makes room
    clock.advance(60_000);
    limits.recordFailure("bert", "b");
    expect(limits.size).toBe(2);
  });

  it("survives an absurd number of failures without overflowing the delay", () => {
    const { limits } = limiter({ maxDelayMs: 15 * 60_000 });
    for (let i = 0; i < 5000; i++) limits.recordFailure("anna", "a");
    const gate = limits.check("anna", "a");
    expect(gate).toEqual({ allowed: false, retryAfterMs: 15 * 60_000 });
  });
});
