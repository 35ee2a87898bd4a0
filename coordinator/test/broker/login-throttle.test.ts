import { describe, expect, it } from "vitest";
import {
  type Admission,
  LoginThrottle,
  type ThrottleOptions,
} from "../../src/broker/login-throttle.js";

const OPTIONS: ThrottleOptions = {
  username: { burst: 3, intervalMs: 1_000 },
  address: { burst: 5, intervalMs: 100 },
  maxWaitMs: 10_000,
  maxKeys: 100,
};

function admitted(admission: Admission) {
  if (!admission.admitted) throw new Error(`refused, wait ${admission.waitMs}`);
  return admission;
}

/** Fails `count` logins one after the other, each answered when its wait is over. */
function failInTurn(throttle: LoginThrottle, count: number, user: string, address: string) {
  let now = 0;
  const waits: number[] = [];
  for (let i = 0; i < count; i++) {
    const a = admitted(throttle.admit(user, address, now));
    waits.push(a.waitMs);
    now += a.waitMs;
    throttle.settle(a.ticket, "failure", now);
  }
  return { waits, now };
}

describe("LoginThrottle", () => {
  it("lets a username's burst through, then one attempt per interval", () => {
    const { waits } = failInTurn(new LoginThrottle(OPTIONS), 6, "agent.1001.01", "10.0.0.1");
    expect(waits).toEqual([0, 0, 0, 1_000, 1_000, 1_000]);
  });

  it("queues parallel attempts on one username behind each other", () => {
    const throttle = new LoginThrottle(OPTIONS);
    const waits = Array.from({ length: 8 }, (_, i) =>
      throttle.admit("agent.1001.01", `10.0.0.${i}`, 0),
    ).map((a) => a.waitMs);
    expect(waits).toEqual([0, 0, 0, 1_000, 2_000, 3_000, 4_000, 5_000]);
  });

  it("answers at once, unchecked, an attempt that would wait longer than maxWaitMs", () => {
    const throttle = new LoginThrottle({ ...OPTIONS, maxWaitMs: 2_000 });
    const results = Array.from({ length: 7 }, () => throttle.admit("u", "10.0.0.1", 0));
    expect(results.map((r) => r.admitted)).toEqual([true, true, true, true, true, false, false]);
    // A refusal reserves nothing: the queue is as long as before.
    expect(throttle.admit("u", "10.0.0.2", 1_000).waitMs).toBe(2_000);
  });

  it("treats an unknown username and a wrong password alike (it never sees which)", () => {
    const known = failInTurn(new LoginThrottle(OPTIONS), 10, "agent.1001.01", "10.0.0.1");
    const unknown = failInTurn(new LoginThrottle(OPTIONS), 10, "agent.9999.99", "10.0.0.1");
    expect(unknown.waits).toEqual(known.waits);
  });

  it("forgives a username after the right password", () => {
    const throttle = new LoginThrottle(OPTIONS);
    const { now } = failInTurn(throttle, 5, "agent.1001.01", "10.0.0.1");
    const right = admitted(throttle.admit("agent.1001.01", "10.0.0.9", now));
    expect(right.waitMs).toBe(1_000);
    throttle.settle(right.ticket, "success", now + 1_000);
    expect(throttle.admit("agent.1001.01", "10.0.0.9", now + 1_000).waitMs).toBe(0);
  });

  it("slows an address that fails with ever new usernames", () => {
    const throttle = new LoginThrottle(OPTIONS);
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const a = admitted(throttle.admit(`guess-${i}`, "10.0.0.1", now));
      waits.push(a.waitMs);
      now += a.waitMs;
      throttle.settle(a.ticket, "failure", now);
    }
    expect(waits).toEqual([0, 0, 0, 0, 0, 100, 100, 100]);
    // Another address is not slowed.
    expect(throttle.admit("guess-x", "10.0.0.2", now).waitMs).toBe(0);
  });

  it("never slows an address whose logins succeed, however many arrive at once", () => {
    const throttle = new LoginThrottle(OPTIONS);
    const tickets = Array.from({ length: 500 }, (_, i) =>
      admitted(throttle.admit(`agent.1001.${i}`, "192.168.1.1", 0)),
    );
    expect(tickets.every((t) => t.waitMs === 0)).toBe(true);
    for (const t of tickets) throttle.settle(t.ticket, "success", 0);
    expect(throttle.size).toBe(0);
  });

  it("does not let one till retrying a wrong password slowly slow its store's address", () => {
    const throttle = new LoginThrottle(OPTIONS);
    for (let minute = 0; minute < 60; minute++) {
      const a = admitted(throttle.admit("agent.1001.07", "192.168.1.1", minute * 1_000));
      throttle.settle(a.ticket, "failure", minute * 1_000);
    }
    expect(throttle.admit("agent.1001.01", "192.168.1.1", 60_000).waitMs).toBe(0);
  });

  it("gives back a username's token when the lookup failed (neither right nor wrong)", () => {
    const throttle = new LoginThrottle(OPTIONS);
    for (let i = 0; i < 10; i++) {
      const a = admitted(throttle.admit("u", "10.0.0.1", 0));
      expect(a.waitMs).toBe(0);
      throttle.settle(a.ticket, "neutral", 0);
    }
  });

  it("forgets refilled buckets and holds at most maxKeys", () => {
    const throttle = new LoginThrottle({ ...OPTIONS, maxKeys: 50 });
    for (let i = 0; i < 1_000; i++) {
      const a = admitted(throttle.admit(`user-${i}`, `10.0.${i % 250}.1`, 0));
      throttle.settle(a.ticket, "failure", 0);
      expect(throttle.size).toBeLessThanOrEqual(50);
    }
    const later = admitted(throttle.admit("late", "10.9.9.9", 3_600_000));
    throttle.settle(later.ticket, "failure", 3_600_000);
    expect(throttle.size).toBe(2);
  });
});

describe("LoginThrottle bounds", () => {
  it("lets a wave of parallel failures lock an address out for at most maxWaitMs", () => {
    const throttle = new LoginThrottle(OPTIONS);
    const wave = Array.from({ length: 1_000 }, (_, i) =>
      admitted(throttle.admit(`guess-${i}`, "10.0.0.1", 0)),
    );
    expect(wave.every((a) => a.waitMs === 0)).toBe(true);
    for (const a of wave) throttle.settle(a.ticket, "failure", 0);
    expect(throttle.admit("guess-x", "10.0.0.1", 0).admitted).toBe(false);
    const after = throttle.admit("guess-y", "10.0.0.1", OPTIONS.maxWaitMs);
    expect(after.admitted).toBe(true);
  });
});
