import type { Status } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { memberOutcome, memberWake, type OutcomeRules } from "../../src/releases/member-outcome.js";
import type { MemberOutcome } from "../../src/releases/release-model.js";
import { HOUR, MINUTE, member, obs, T0 } from "./release-fixtures.js";

const TIMEOUT = 2 * HOUR;
const SOAK = 15 * MINUTE;
const rules = (now: number, soakMs = SOAK): OutcomeRules => ({
  version: "1.1.0",
  timeoutMs: TIMEOUT,
  soakMs,
  now,
  // No member here has a window; a call would be a bug.
  windowDeadline: () => {
    throw new Error("no window expected");
  },
});
const KEY = "1001/01/pos-client";
const sent = member(KEY, { requestId: "rel7-0-0-1", sentAt: T0 });
const ACK = "rel7-0-0-1";

describe("memberOutcome", () => {
  const cases: {
    name: string;
    m?: typeof sent;
    o: ReturnType<typeof obs> | undefined;
    now?: number;
    soak?: number;
    expect: MemberOutcome;
  }[] = [
    { name: "not sent", m: member(KEY), o: obs("OK", null), expect: "queued" },
    { name: "sent, row gone", o: undefined, expect: "Prepared" },
    { name: "sent, row on another request", o: obs("Failed", "other"), expect: "Prepared" },
    { name: "sent, row without request", o: obs("OK", null), expect: "Prepared" },
    { name: "Prepared", o: obs("Prepared", ACK), expect: "Prepared" },
    { name: "In Progress", o: obs("In Progress", ACK), expect: "In Progress" },
    { name: "Not Ready", o: obs("Not Ready", ACK), expect: "Not Ready" },
    { name: "Failed", o: obs("Failed", ACK), expect: "Failed" },
    { name: "Rolled Back", o: obs("Rolled Back", ACK), expect: "Rolled Back" },
    {
      name: "OK on the version, soak over",
      o: obs("OK", ACK, { okSince: T0 }),
      now: T0 + SOAK,
      expect: "OK",
    },
    {
      name: "OK on the version, 1 ms of soak left",
      o: obs("OK", ACK, { okSince: T0 }),
      now: T0 + SOAK - 1,
      expect: "soaking",
    },
    { name: "OK, soak 0: OK at once", o: obs("OK", ACK, { okSince: T0 }), soak: 0, expect: "OK" },
    {
      name: "OK, soak broken (okSince null again): soak starts now",
      o: obs("OK", ACK, { okSince: null }),
      now: T0 + HOUR,
      expect: "soaking",
    },
    {
      name: "OK on another version",
      o: obs("OK", ACK, { activeVersion: "1.0.0" }),
      expect: "Prepared",
    },
    // Timeouts: exactly at sentAt + stageTimeout, and 1 ms before.
    { name: "unacknowledged at the timeout", o: undefined, now: T0 + TIMEOUT, expect: "timed out" },
    { name: "unacknowledged 1 ms before", o: undefined, now: T0 + TIMEOUT - 1, expect: "Prepared" },
    {
      name: "Prepared at the timeout",
      o: obs("Prepared", ACK),
      now: T0 + TIMEOUT,
      expect: "timed out",
    },
    {
      name: "Prepared 1 ms before",
      o: obs("Prepared", ACK),
      now: T0 + TIMEOUT - 1,
      expect: "Prepared",
    },
    {
      name: "OK on another version at the timeout",
      o: obs("OK", ACK, { activeVersion: "1.0.0" }),
      now: T0 + TIMEOUT,
      expect: "timed out",
    },
    {
      name: "offline, other request, at the timeout",
      o: obs("OK", "old", { online: false }),
      now: T0 + TIMEOUT,
      expect: "timed out",
    },
    // Answers never time out.
    {
      name: "Not Ready long after the timeout",
      o: obs("Not Ready", ACK),
      now: T0 + 10 * TIMEOUT,
      expect: "Not Ready",
    },
    {
      name: "In Progress long after the timeout",
      o: obs("In Progress", ACK),
      now: T0 + 10 * TIMEOUT,
      expect: "In Progress",
    },
    {
      name: "Failed after the timeout",
      o: obs("Failed", ACK),
      now: T0 + 10 * TIMEOUT,
      expect: "Failed",
    },
  ];
  it.each(cases)("$name -> $expect", (c) => {
    expect(memberOutcome(c.m ?? sent, c.o, rules(c.now ?? T0, c.soak ?? SOAK))).toBe(c.expect);
  });

  it("covers every status", () => {
    const statuses: Status[] = [
      "OK",
      "Prepared",
      "In Progress",
      "Not Ready",
      "Rolled Back",
      "Failed",
    ];
    for (const status of statuses) {
      expect(memberOutcome(sent, obs(status, ACK), rules(T0 + SOAK))).toBeTypeOf("string");
    }
  });
});

describe("memberWake", () => {
  it("Prepared wakes at sentAt + stageTimeout", () => {
    expect(memberWake(sent, undefined, "Prepared", rules(T0))).toBe(T0 + TIMEOUT);
  });
  it("soaking wakes at okSince + soak", () => {
    const o = obs("OK", ACK, { okSince: T0 + MINUTE });
    expect(memberWake(sent, o, "soaking", rules(T0 + MINUTE))).toBe(T0 + MINUTE + SOAK);
  });
  it.each<MemberOutcome>([
    "queued",
    "held",
    "In Progress",
    "Not Ready",
    "OK",
    "Failed",
    "Rolled Back",
    "timed out",
  ])("%s has no wake", (outcome) =>
    expect(memberWake(sent, obs("OK", ACK), outcome, rules(T0))).toBeNull(),
  );
});
