import type { SessionDocument } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import {
  nextPosPresence,
  type PosPresence,
  type SessionView,
  sessionVerdict,
} from "../../src/readiness/pos-session.js";
import { sessionReadiness } from "../../src/readiness/readiness.js";

function session(users: string[], transactionInProgress: boolean, seq = 7): SessionDocument {
  return { schema: 1, seq, ts: "2026-11-30T09:00:00.000Z", users, transactionInProgress };
}
const online: PosPresence = { state: "online", seq: 10, since: "2026-11-30T09:00:00.000Z" };
const offline: PosPresence = { state: "offline", seq: 11, since: "2026-11-30T10:42:13.000Z" };
const release = { sessionSeq: 7, by: "ada", at: "2026-11-30T11:00:00.000Z" };

function view(over: Partial<SessionView>): SessionView {
  return {
    session: null,
    pos: null,
    release: null,
    forced: false,
    workstation: "01",
    formatTime: (iso) => iso.slice(11, 16),
    ...over,
  };
}

describe("sessionVerdict: a live POS session from a stale one", () => {
  const cases: [string, Partial<SessionView>, ReturnType<typeof sessionVerdict>][] = [
    ["no session document: nothing to wait for", {}, { kind: "free" }],
    ["live, nobody logged in", { session: session([], false), pos: online }, { kind: "free" }],
    [
      "live, one user (a POS without presence counts as live)",
      { session: session(["alice"], false) },
      { kind: "busy", reason: "user alice logged in on till 01" },
    ],
    [
      "live, every cause named",
      { session: session(["alice"], true), pos: online },
      { kind: "busy", reason: "user alice logged in on till 01; transaction in progress" },
    ],
    [
      "live, two users",
      { session: session(["alice", "bob"], false), pos: online },
      { kind: "busy", reason: "users alice, bob logged in on till 01" },
    ],
    [
      "live, transaction only",
      { session: session([], true), pos: online },
      { kind: "busy", reason: "transaction in progress" },
    ],
    [
      "offline with a user: stale since the POS went offline",
      { session: session(["alice"], false), pos: offline },
      {
        kind: "stale",
        reason: "POS session stale since 10:42 (user alice logged in)",
        since: offline.since,
      },
    ],
    [
      "offline, every cause named",
      { session: session(["alice"], true), pos: offline },
      {
        kind: "stale",
        reason: "POS session stale since 10:42 (user alice logged in; transaction in progress)",
        since: offline.since,
      },
    ],
    [
      "offline, nobody logged in: free",
      { session: session([], false), pos: offline },
      { kind: "free" },
    ],
    [
      "stale, released for a lower seq: still stale (a newer session)",
      { session: session(["alice"], false, 8), pos: offline, release },
      {
        kind: "stale",
        reason: "POS session stale since 10:42 (user alice logged in)",
        since: offline.since,
      },
    ],
    [
      "live, released: the release does not end a live session",
      { session: session(["alice"], false), pos: online, release },
      { kind: "busy", reason: "user alice logged in on till 01" },
    ],
  ];
  it.each(cases)("%s", (_name, over, expected) => {
    expect(sessionVerdict(view(over))).toEqual(expected);
  });

  it("stale and released (sessionSeq >= seq): passed, naming who released it", () => {
    const verdict = sessionVerdict(
      view({ session: session(["alice"], false), pos: offline, release }),
    );
    expect(verdict.kind).toBe("passed");
    expect(verdict.kind === "passed" && verdict.note).toBe(
      "POS session stale since 10:42 (user alice logged in): released by ada at 2026-11-30T11:00:00.000Z (session seq 7 <= 7)",
    );
  });

  it("stale and forced: passed, and says so", () => {
    const verdict = sessionVerdict(
      view({ session: session(["alice"], false), pos: offline, forced: true }),
    );
    expect(verdict).toEqual({
      kind: "passed",
      note: "POS session stale since 10:42 (user alice logged in): the forced request goes on past it",
    });
  });

  it("forced does not pass a live session", () => {
    expect(
      sessionVerdict(view({ session: session(["alice"], false), pos: online, forced: true })).kind,
    ).toBe("busy");
  });
});

describe("sessionReadiness: the verdict as readiness", () => {
  it("passed -> ready, and the note reaches the log", () => {
    const notes: string[] = [];
    const result = sessionReadiness(session(["alice"], false), "01", {
      pos: () => offline,
      sessionRelease: () => release,
      formatTime: () => "10:42",
      onStalePassed: (note) => notes.push(note),
    });
    expect(result).toEqual({ ready: true });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain("released by ada");
  });

  it("stale -> Not Ready with the stale reason, HH:MM in local time by default", () => {
    const result = sessionReadiness(session(["alice"], false), "01", { pos: () => offline });
    const local = new Date(offline.since);
    const hhmm = `${String(local.getHours()).padStart(2, "0")}:${String(local.getMinutes()).padStart(2, "0")}`;
    expect(result).toEqual({
      ready: false,
      reason: `POS session stale since ${hhmm} (user alice logged in)`,
    });
  });
});

describe("nextPosPresence", () => {
  const now = "2026-11-30T12:00:00.000Z";
  it("first document: since now", () => {
    expect(nextPosPresence(null, { seq: 3, state: "offline" }, now)).toEqual({
      state: "offline",
      seq: 3,
      since: now,
    });
  });
  it("the same or an older seq is ignored (a reconnect's retained copy)", () => {
    expect(nextPosPresence(offline, { seq: 11, state: "offline" }, now)).toBeNull();
    expect(nextPosPresence(offline, { seq: 4, state: "online" }, now)).toBeNull();
  });
  it("a higher seq in the same state keeps since; a new state starts it", () => {
    expect(nextPosPresence(offline, { seq: 12, state: "offline" }, now)?.since).toBe(offline.since);
    expect(nextPosPresence(offline, { seq: 12, state: "online" }, now)).toEqual({
      state: "online",
      seq: 12,
      since: now,
    });
  });
});
