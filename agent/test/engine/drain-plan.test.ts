import type { DrainPolicy, SessionDocument } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import {
  type DrainFacts,
  durationText,
  emptyDrainState,
  planDrain,
} from "../../src/engine/drain-plan.js";
import type { DrainState } from "../../src/state/agent-state.js";

const T0 = Date.parse("2026-11-30T10:40:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const utcTime = (ms: number) => iso(ms).slice(11, 16);

function session(users: string[], maintenanceSeq?: number, transaction = false): SessionDocument {
  return {
    schema: 1,
    seq: 1,
    ts: iso(T0),
    users,
    transactionInProgress: transaction,
    ...(maintenanceSeq === undefined ? {} : { maintenanceSeq }),
  };
}

const ready = { ready: true as const };
const alice = { ready: false as const, reason: "user alice logged in on till 01" };
const twoMinutes: DrainPolicy = { noticeMinutes: 2, force: false };
const forced: DrainPolicy = { noticeMinutes: 2, force: true };

/** Maintenance on (seq 50) since T0. */
const on: DrainState = { ...emptyDrainState(), maintenanceSeq: 50, maintenanceAt: iso(T0) };
/** Maintenance on, countdown to T0 + 2 min started, "minutes" notice sent. */
const counting: DrainState = { ...on, deadline: iso(T0 + 120_000), noticesSent: ["minutes"] };

function facts(over: Partial<DrainFacts>): DrainFacts {
  return {
    fn: "pos-client",
    now: T0,
    policy: null,
    state: null,
    readiness: ready,
    session: null,
    graceMs: 3000,
    timeOf: utcTime,
    ...over,
  };
}

const rows: {
  name: string;
  facts: Partial<DrainFacts>;
  actions: string[];
  verdict: Record<string, unknown>;
}[] = [
  {
    name: "first run, no session ever: maintenance on and go (nobody to wait for)",
    facts: {},
    actions: ["maintenance-on"],
    verdict: { kind: "proceed" },
  },
  {
    name: "first run, a POS that publishes sessions: maintenance on, wait for its ack",
    facts: { session: session([]) },
    actions: ["maintenance-on"],
    verdict: { kind: "handshake", until: T0 + 3000 },
  },
  {
    name: "acknowledged (maintenanceSeq = ours), till free: go",
    facts: { state: on, session: session([], 50), now: T0 + 100 },
    actions: [],
    verdict: { kind: "proceed" },
  },
  {
    name: "an older acknowledgement does not count: still waiting",
    facts: { state: on, session: session([], 49), now: T0 + 100 },
    actions: [],
    verdict: { kind: "handshake", until: T0 + 3000 },
  },
  {
    name: "no acknowledgement but the grace passed, till free: go",
    facts: { state: on, session: session([]), now: T0 + 3000 },
    actions: [],
    verdict: { kind: "proceed" },
  },
  {
    name: "no policy, a login before the POS saw maintenance, handshake not over: wait",
    facts: { state: on, session: session(["alice"]), readiness: alice, now: T0 + 100 },
    actions: [],
    verdict: { kind: "handshake" },
  },
  {
    name: "no policy, that login still there after the handshake: back (the login wins)",
    facts: { state: on, session: session(["alice"], 50), readiness: alice, now: T0 + 100 },
    actions: [],
    verdict: { kind: "back", reason: "user alice logged in on till 01" },
  },
  {
    name: "policy, busy, first run: maintenance on, the minutes notice, Not Ready with the countdown",
    facts: { policy: twoMinutes, session: session(["alice"]), readiness: alice },
    actions: ["maintenance-on", "notice:minutes"],
    verdict: {
      kind: "busy",
      reason: "update at 10:42 (in 2 minutes): user alice logged in on till 01",
      wakeAt: T0 + 120_000,
    },
  },
  {
    name: "policy, busy, mid-countdown: no notice again, the countdown goes on",
    facts: {
      policy: twoMinutes,
      state: counting,
      session: session(["alice"], 50),
      readiness: alice,
      now: T0 + 90_000,
    },
    actions: [],
    verdict: {
      kind: "busy",
      reason: "update at 10:42 (in 30 seconds): user alice logged in on till 01",
    },
  },
  {
    name: "policy, busy at the deadline, no force: the now notice, waiting for the logout",
    facts: {
      policy: twoMinutes,
      state: counting,
      session: session(["alice"], 50),
      readiness: alice,
      now: T0 + 120_000,
    },
    actions: ["notice:now"],
    verdict: {
      kind: "busy",
      reason: "update due since 10:42: waiting for user alice to log out",
      wakeAt: null,
    },
  },
  {
    name: "policy, an open transaction past the deadline: waiting for it to end",
    facts: {
      policy: twoMinutes,
      state: { ...counting, noticesSent: ["minutes", "now"] },
      session: session([], 50, true),
      readiness: { ready: false, reason: "transaction in progress" },
      now: T0 + 200_000,
    },
    actions: [],
    verdict: { kind: "busy", reason: "update due since 10:42: waiting for the transaction to end" },
  },
  {
    name: "forced, busy at the deadline: the now notice, then end-session",
    facts: {
      policy: forced,
      state: counting,
      session: session(["alice"], 50),
      readiness: alice,
      now: T0 + 120_000,
    },
    actions: ["notice:now", "end-session"],
    verdict: {
      kind: "busy",
      reason:
        "update due since 10:42: the POS was asked to end the session (user alice logged in on till 01)",
    },
  },
  {
    name: "forced, end-session already asked: not asked again",
    facts: {
      policy: forced,
      state: { ...counting, noticesSent: ["minutes", "now"], endRequested: true },
      session: session(["alice"], 50),
      readiness: alice,
      now: T0 + 130_000,
    },
    actions: [],
    verdict: { kind: "busy" },
  },
  {
    name: "policy, the user logged out mid-countdown: go",
    facts: { policy: twoMinutes, state: counting, session: session([], 50), now: T0 + 60_000 },
    actions: [],
    verdict: { kind: "proceed" },
  },
  {
    name: "policy, a till already free: no countdown, the handshake only",
    facts: { policy: twoMinutes, session: session([]) },
    actions: ["maintenance-on"],
    verdict: { kind: "handshake" },
  },
  {
    name: "policy with 0 minutes, busy: straight to the now notice",
    facts: {
      policy: { noticeMinutes: 0, force: false },
      session: session(["alice"]),
      readiness: alice,
    },
    actions: ["maintenance-on", "notice:now"],
    verdict: { kind: "busy", reason: "update due since 10:40: waiting for user alice to log out" },
  },
  {
    name: "after a restart (maintenance off again), the persisted deadline is kept",
    facts: {
      policy: twoMinutes,
      state: { ...counting, maintenanceSeq: null, maintenanceAt: null },
      session: session(["alice"]),
      readiness: alice,
      now: T0 + 60_000,
    },
    actions: ["maintenance-on"],
    verdict: {
      kind: "busy",
      reason: "update at 10:42 (in 1 minute): user alice logged in on till 01",
    },
  },
];

describe("planDrain", () => {
  it.each(rows)("$name", (row) => {
    const decision = planDrain(facts(row.facts));
    const actions = decision.actions.map((a) =>
      a.kind === "notice" ? `notice:${a.which}` : a.kind,
    );
    expect(actions).toEqual(row.actions);
    expect(decision.verdict).toMatchObject(row.verdict);
  });

  it("records the deadline and the notices sent in the state to persist", () => {
    const decision = planDrain(
      facts({ policy: twoMinutes, session: session(["alice"]), readiness: alice }),
    );
    expect(decision.state).toMatchObject({
      deadline: iso(T0 + 120_000),
      noticesSent: ["minutes"],
      endRequested: false,
      maintenanceAt: iso(T0),
    });
    const notice = decision.actions[1];
    expect(notice).toMatchObject({
      kind: "notice",
      text: "pos-client will be updated in 2 minutes; please finish your work and log out",
      at: iso(T0 + 120_000),
    });
  });

  it("does not change the state it was given", () => {
    const state = { ...counting, noticesSent: [...counting.noticesSent] };
    planDrain(
      facts({
        policy: forced,
        state,
        session: session(["a"]),
        readiness: alice,
        now: T0 + 999_999,
      }),
    );
    expect(state).toEqual(counting);
  });
});

describe("durationText", () => {
  it.each([
    [500, "1 second"],
    [3000, "3 seconds"],
    [59_001, "1 minute"],
    [60_000, "1 minute"],
    [61_000, "2 minutes"],
    [120_000, "2 minutes"],
  ])("%i ms -> %s", (ms, text) => {
    expect(durationText(ms)).toBe(text);
  });
});
