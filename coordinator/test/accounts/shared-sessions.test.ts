import { describe, expect, it } from "vitest";
import {
  csrfTokenFor,
  expiresAt,
  hashSessionId,
  isExpired,
  lastUseWriteEveryMs,
  sessionLimits,
  shouldWriteLastUse,
  sweepBefore,
  webSessionOf,
} from "../../src/accounts/shared-sessions.js";

const MIN = 60_000;
const limits = sessionLimits({ idleTimeoutMs: 30 * MIN, absoluteTimeoutMs: 12 * 60 * MIN });
const ID = "x".repeat(43);

describe("shared web sessions: the pure rules", () => {
  it("the stored hash and the CSRF token are fixed functions of the id, neither the id nor each other", () => {
    expect(hashSessionId(ID)).toBe(hashSessionId(ID));
    expect(csrfTokenFor(ID)).toBe(csrfTokenFor(ID));
    expect(hashSessionId(ID)).not.toBe(csrfTokenFor(ID));
    expect(hashSessionId(ID)).not.toContain(ID);
    expect(hashSessionId(`${ID}y`)).not.toBe(hashSessionId(ID));
    expect(csrfTokenFor(`${ID}y`)).not.toBe(csrfTokenFor(ID));
    expect(csrfTokenFor(ID)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ["idle end first", { createdAt: 0, lastSeenAt: 10 * MIN }, 40 * MIN],
    ["absolute end first", { createdAt: 0, lastSeenAt: 700 * MIN }, 720 * MIN],
  ])("expiresAt: %s", (_name, session, end) => {
    expect(expiresAt(session, limits)).toBe(end);
    expect(isExpired(session, end - 1, limits)).toBe(false);
    expect(isExpired(session, end, limits)).toBe(true);
  });

  it.each([
    ["the default 30 min idle: once a minute", 30 * MIN, MIN],
    ["a 1 min idle: a tenth of it", MIN, 6_000],
    ["a 5 ms idle: at least 1 ms", 5, 1],
  ])("lastUseWriteEveryMs: %s", (_name, idleTimeoutMs, every) => {
    expect(lastUseWriteEveryMs(sessionLimits({ idleTimeoutMs }))).toBe(every);
  });

  it.each([
    ["within the interval", 59_999, false],
    ["at the interval", 60_000, true],
    ["long after", 10 * MIN, true],
  ])("shouldWriteLastUse %s", (_name, now, write) => {
    expect(shouldWriteLastUse({ storedLastUsedAt: 0 }, now, MIN)).toBe(write);
  });

  it("a sweep keeps rows one write interval past their end; the session handed out carries the caller's id", () => {
    expect(sweepBefore(100 * MIN, limits)).toBe(99 * MIN);
    const session = webSessionOf(ID, {
      idHash: hashSessionId(ID),
      name: "anna",
      credentialId: "c1",
      createdAt: 1,
      lastSeenAt: 2,
      storedLastUsedAt: 1,
    });
    expect(session).toEqual({
      id: ID,
      csrfToken: csrfTokenFor(ID),
      name: "anna",
      credentialId: "c1",
      createdAt: 1,
      lastSeenAt: 2,
    });
  });
});
