import { describe, expect, it } from "vitest";
import {
  AbortedError,
  classifyError,
  DefinitiveError,
  parseRetryAfter,
  RestartError,
  statusError,
  TransientError,
} from "../../src/download/errors.js";
import { backoffDelay, planRetry } from "../../src/download/retry-policy.js";

function errno(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe("backoffDelay", () => {
  it("doubles per attempt, jitters over the upper half and caps", () => {
    expect(backoffDelay(1, () => 0)).toBe(500);
    expect(backoffDelay(1, () => 1)).toBe(1_000);
    expect(backoffDelay(2, () => 0.5)).toBe(1_500);
    expect(backoffDelay(4, () => 0.5)).toBe(6_000);
    expect(backoffDelay(50, () => 1)).toBe(60_000);
    expect(backoffDelay(50, () => 0)).toBe(30_000);
    expect(backoffDelay(3, () => 0.5, { baseMs: 10, maxMs: 25 })).toBe(19);
  });

  it("spreads delays with different random values", () => {
    const delays = [0, 0.25, 0.5, 0.75, 0.99].map((r) => backoffDelay(3, () => r));
    expect(new Set(delays).size).toBe(delays.length);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(2_000);
      expect(d).toBeLessThanOrEqual(4_000);
    }
  });
});

describe("planRetry", () => {
  const base = { attempt: 1, now: 1_000, random: () => 0.5 };

  it("clamps the wait to the deadline and stops once it has passed", () => {
    expect(planRetry({ ...base, deadline: 1_000_000 })).toEqual({ retry: true, delayMs: 750 });
    expect(planRetry({ ...base, deadline: 1_100 })).toEqual({ retry: true, delayMs: 100 });
    expect(planRetry({ ...base, deadline: 1_000 })).toEqual({ retry: false });
  });

  it("lets Retry-After raise but not lower the delay", () => {
    expect(planRetry({ ...base, deadline: 1e9, retryAfterMs: 9_000 })).toEqual({
      retry: true,
      delayMs: 9_000,
    });
    expect(planRetry({ ...base, deadline: 1e9, retryAfterMs: 1 })).toEqual({
      retry: true,
      delayMs: 750,
    });
  });
});

describe("classifyError", () => {
  it("treats socket trouble as transient", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "EPIPE"]) {
      expect(classifyError(errno(code))).toBeInstanceOf(TransientError);
    }
    expect(classifyError(new Error("socket hang up"))).toBeInstanceOf(TransientError);
  });

  it("treats local I/O, TLS and code-less errors as definitive", () => {
    expect(classifyError(errno("ENOSPC"))).toBeInstanceOf(DefinitiveError);
    expect(classifyError(errno("CERT_HAS_EXPIRED"))).toBeInstanceOf(DefinitiveError);
    expect(classifyError(new TypeError("x is not a function"))).toBeInstanceOf(DefinitiveError);
  });

  it("passes already classified errors through", () => {
    for (const err of [
      new TransientError("t"),
      new DefinitiveError("d"),
      new RestartError("r"),
      new AbortedError("a"),
    ]) {
      expect(classifyError(err)).toBe(err);
    }
  });
});

describe("statusError", () => {
  it("retries 5xx and 429, not other 4xx", () => {
    expect(statusError(503, "Service Unavailable", undefined)).toBeInstanceOf(TransientError);
    expect(statusError(500, undefined, undefined)).toBeInstanceOf(TransientError);
    expect(statusError(429, "Too Many Requests", "3")).toMatchObject({ retryAfterMs: 3_000 });
    const notFound = statusError(404, "Not Found", undefined);
    expect(notFound).toBeInstanceOf(DefinitiveError);
    expect(notFound.message).toBe("HTTP 404 Not Found");
    expect(statusError(403, "", undefined)).toBeInstanceOf(DefinitiveError);
  });

  it("parses Retry-After seconds only", () => {
    expect(parseRetryAfter("12")).toBe(12_000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
