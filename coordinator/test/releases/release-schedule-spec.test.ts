import { describe, expect, it } from "vitest";
import { newRelease } from "../../src/releases/new-release.js";
import {
  parseReleaseSpec,
  scheduledStart,
  scheduleRefusal,
} from "../../src/releases/release-spec.js";

/** Issue 11's document fields: schedule, forced, redeploy, allowDowngrade, notify. */

const MINIMAL = { name: "r", function: "pos-client", version: "1.1.0", stages: [{ name: "all" }] };
const NOW = Date.parse("2026-11-30T10:00:00Z");

function parsed(patch: Record<string, unknown>) {
  const result = parseReleaseSpec({ ...MINIMAL, ...patch });
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe("release document: issue 11 fields accepted", () => {
  it.each([
    [{ schedule: null }, null],
    [{ schedule: { mode: "immediately" } }, { mode: "immediately" }],
    [{ schedule: { mode: "window" } }, { mode: "window" }],
    [
      { schedule: { mode: "at", at: "2026-12-01T02:00:00+01:00" } },
      { mode: "at", at: "2026-12-01T02:00:00+01:00" },
    ],
    [
      { schedule: { mode: "at", at: "2026-12-01T01:00:00.000Z" } },
      { mode: "at", at: "2026-12-01T01:00:00.000Z" },
    ],
    [
      { schedule: { mode: "at", at: "2026-12-01T01:00Z" } },
      { mode: "at", at: "2026-12-01T01:00Z" },
    ],
  ])("%j → schedule %j", (patch, schedule) => {
    expect(parsed(patch).schedule).toEqual(schedule);
  });

  it("flags and notify as given; notify's missing half defaulted", () => {
    const spec = parsed({
      forced: true,
      redeploy: true,
      allowDowngrade: true,
      notify: { storeContacts: true },
    });
    expect(spec).toMatchObject({
      forced: true,
      redeploy: true,
      allowDowngrade: true,
      notify: { partnerAdmins: true, storeContacts: true },
    });
  });
});

describe("release document: issue 11 refusals name the field", () => {
  it.each([
    ["schedule a string", { schedule: "now" }, /^schedule: expected null or an object/m],
    [
      "schedule mode unknown",
      { schedule: { mode: "soon" } },
      /^schedule\.mode: string "soon" is not a mode \(known: immediately, window, at\)$/m,
    ],
    ["schedule without mode", { schedule: {} }, /^schedule\.mode: is missing/m],
    [
      "schedule unknown field",
      { schedule: { mode: "window", when: 1 } },
      /^schedule: unknown field "when" \(known: mode, at\)$/m,
    ],
    ["at without at", { schedule: { mode: "at" } }, /^schedule\.at: mode "at" needs "at"/m],
    [
      "at a local time",
      { schedule: { mode: "at", at: "2026-12-01T02:00:00" } },
      /^schedule\.at: "2026-12-01T02:00:00" is not an ISO 8601 time with an offset or Z/m,
    ],
    [
      "at not a date",
      { schedule: { mode: "at", at: "2026-13-45T02:00:00Z" } },
      /^schedule\.at: .* is not an ISO 8601 time/m,
    ],
    [
      "at on immediately",
      { schedule: { mode: "immediately", at: "2026-12-01T02:00:00Z" } },
      /^schedule\.at: only mode "at" takes a time$/m,
    ],
    ["forced a string", { forced: "yes" }, /^forced: expected true or false, got string "yes"$/m],
    ["redeploy a number", { redeploy: 1 }, /^redeploy: expected true or false/m],
    ["allowDowngrade null", { allowDowngrade: null }, /^allowDowngrade: expected true or false/m],
    [
      "notify unknown field",
      { notify: { admins: true } },
      /^notify: unknown field "admins" \(known: partnerAdmins, storeContacts\)$/m,
    ],
    [
      "notify.partnerAdmins a string",
      { notify: { partnerAdmins: "no" } },
      /^notify\.partnerAdmins: expected true or false/m,
    ],
  ])("refuses %s", (_name, patch, error) => {
    const result = parseReleaseSpec({ ...MINIMAL, ...patch });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});

describe("schedule.at in the past is refused at creation, never read as now", () => {
  it.each([
    ["2026-11-30T10:00:00Z", "schedule.at: 2026-11-30T10:00:00Z is in the past"],
    ["2026-11-30T10:59:59+01:00", "schedule.at: 2026-11-30T10:59:59+01:00 is in the past"],
    ["2026-11-30T10:00:01Z", null],
    ["2026-12-01T02:00:00+01:00", null],
  ])("at %s → %s", (at, refusal) => {
    expect(scheduleRefusal(parsed({ schedule: { mode: "at", at } }), NOW)).toBe(refusal);
  });
  it("other modes are never refused for time", () => {
    expect(scheduleRefusal(parsed({ schedule: { mode: "window" } }), NOW)).toBeNull();
    expect(scheduleRefusal(parsed({}), NOW)).toBeNull();
  });
  it("scheduledStart: at its time; immediately and window when created; by hand null", () => {
    const at = "2026-12-01T02:00:00+01:00";
    expect(scheduledStart(parsed({ schedule: { mode: "at", at } }), NOW)).toBe(Date.parse(at));
    expect(scheduledStart(parsed({ schedule: { mode: "window" } }), NOW)).toBe(NOW);
    expect(scheduledStart(parsed({}), NOW)).toBeNull();
  });
});

describe("newRelease: Scheduled for mode at, Ready otherwise", () => {
  it.each([
    [null, "Ready", "created"],
    [{ mode: "immediately" }, "Ready", "created: schedule immediately"],
    [{ mode: "window" }, "Ready", "created: schedule window"],
    [
      { mode: "at", at: "2026-12-01T02:00:00+01:00" },
      "Scheduled",
      "created: starts at 2026-12-01T02:00:00+01:00",
    ],
  ])("%j → %s", (schedule, state, reason) => {
    const rel = newRelease("3", parsed({ schedule }), "anna", NOW);
    expect(rel.state).toBe(state);
    expect(rel.history).toEqual([
      {
        at: new Date(NOW).toISOString(),
        who: "anna",
        subject: "release",
        from: "-",
        to: state,
        reason,
      },
    ]);
  });
});
