import type { DesiredService, MaintenanceWindow } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import type { JobStep, ServiceRecord } from "../../src/engine/journal.js";
import { FORWARD_STEPS, isCancellable, ROLLBACK_STEPS } from "../../src/engine/journal.js";
import { planService, type ServicePlan } from "../../src/engine/plan.js";

const NOW = Date.parse("2026-11-21T10:00:00.000Z");
const artifact = { url: "http://127.0.0.1/p.tgz", sha256: "a".repeat(64), size: 10 };

function want(
  version: string | null,
  requestId = "r2",
  validFrom: string | null = null,
): DesiredService {
  return version === null
    ? { preferredVersion: null, validFrom: null, requestId: null, artifact: null }
    : { preferredVersion: version, validFrom, requestId, artifact };
}

function record(over: Partial<ServiceRecord> = {}): ServiceRecord {
  return {
    activeVersion: "1.0.0",
    previousVersion: null,
    status: "OK",
    reason: null,
    requestId: "r1",
    preferredVersion: null,
    validFrom: null,
    progress: null,
    updatedAt: "2026-11-21T09:00:00.000Z",
    job: null,
    ...over,
  };
}

function withJob(step: JobStep, requestId = "r2"): ServiceRecord {
  return record({
    status: "In Progress",
    requestId,
    preferredVersion: "1.1.0",
    job: {
      requestId,
      fromVersion: "1.0.0",
      toVersion: "1.1.0",
      artifact,
      validFrom: null,
      step,
      failure: null,
      notReady: null,
      startedAt: "2026-11-21T09:59:00.000Z",
    },
  });
}

const cases: {
  name: string;
  desired: DesiredService | undefined;
  rec: ServiceRecord | undefined;
  plan: ServicePlan;
}[] = [
  {
    name: "unknown service, nothing wanted",
    desired: undefined,
    rec: undefined,
    plan: { kind: "idle" },
  },
  { name: "OK with '-' already", desired: want(null), rec: record(), plan: { kind: "idle" } },
  {
    name: "Prepared, then '-' skips it",
    desired: want(null),
    rec: record({ status: "Prepared", preferredVersion: "1.1.0" }),
    plan: { kind: "clear", status: "OK" },
  },
  {
    name: "Rolled Back, then '-'",
    desired: want(null),
    rec: record({ status: "Rolled Back", preferredVersion: "1.1.0" }),
    plan: { kind: "clear", status: "OK" },
  },
  {
    name: "Failed, then '-' stays Failed",
    desired: want(null),
    rec: record({ status: "Failed", preferredVersion: "1.1.0" }),
    plan: { kind: "clear", status: "Failed" },
  },
  {
    name: "service dropped from desired",
    desired: undefined,
    rec: record({ status: "Prepared", preferredVersion: "1.1.0" }),
    plan: { kind: "clear", status: "OK" },
  },
  {
    name: "new version, valid now",
    desired: want("1.1.0"),
    rec: record(),
    plan: { kind: "begin", requestId: "r2", redeploy: false },
  },
  {
    name: "first install",
    desired: want("1.1.0"),
    rec: undefined,
    plan: { kind: "begin", requestId: "r2", redeploy: false },
  },
  {
    name: "valid-from in the past",
    desired: want("1.1.0", "r2", "2026-11-21T09:00:00.000Z"),
    rec: record(),
    plan: { kind: "begin", requestId: "r2", redeploy: false },
  },
  {
    name: "valid-from exactly now",
    desired: want("1.1.0", "r2", "2026-11-21T10:00:00.000Z"),
    rec: record(),
    plan: { kind: "begin", requestId: "r2", redeploy: false },
  },
  {
    name: "valid-from ahead",
    desired: want("1.1.0", "r2", "2026-11-21T10:00:05.000Z"),
    rec: record(),
    plan: { kind: "wait", until: NOW + 5000, requestId: "r2", reason: null },
  },
  {
    name: "waiting already (Prepared, same request)",
    desired: want("1.1.0", "r2", "2026-11-21T10:00:05.000Z"),
    rec: record({ status: "Prepared", requestId: "r2" }),
    plan: { kind: "wait", until: NOW + 5000, requestId: "r2", reason: null },
  },
  {
    name: "the active version asked for",
    desired: want("1.0.0"),
    rec: record(),
    plan: { kind: "already-active", requestId: "r2", version: "1.0.0" },
  },
  {
    name: "duplicate of an answered request (OK)",
    desired: want("1.1.0", "r1"),
    rec: record({ activeVersion: "1.1.0", requestId: "r1" }),
    plan: { kind: "idle" },
  },
  {
    name: "duplicate of a Rolled Back request: no automatic retry",
    desired: want("1.1.0", "r1"),
    rec: record({ status: "Rolled Back", requestId: "r1", preferredVersion: "1.1.0" }),
    plan: { kind: "idle" },
  },
  {
    name: "duplicate of a Failed request",
    desired: want("1.1.0", "r1"),
    rec: record({ status: "Failed", requestId: "r1", preferredVersion: "1.1.0" }),
    plan: { kind: "idle" },
  },
  {
    name: "retry after Rolled Back (new request id)",
    desired: want("1.1.0", "r9"),
    rec: record({ status: "Rolled Back", requestId: "r1", preferredVersion: "1.1.0" }),
    plan: { kind: "begin", requestId: "r9", redeploy: false },
  },
  {
    name: "job for this request continues",
    desired: want("1.1.0", "r2"),
    rec: withJob("verify", "r2"),
    plan: { kind: "continue" },
  },
  {
    name: "Not Ready job superseded by a retry",
    desired: want("1.1.0", "r3"),
    rec: withJob("await-ready", "r2"),
    plan: { kind: "cancel", reason: "superseded by request r3" },
  },
  {
    name: "downloading job skipped with '-'",
    desired: want(null),
    rec: withJob("fetch", "r2"),
    plan: { kind: "cancel", reason: "update skipped: preferred version set to -" },
  },
  {
    name: "switched job cannot be cancelled",
    desired: want(null),
    rec: withJob("switch", "r2"),
    plan: { kind: "finish-first" },
  },
  {
    name: "rolling back job finishes first",
    desired: want("1.2.0", "r3"),
    rec: withJob("rollback-start", "r2"),
    plan: { kind: "finish-first" },
  },
];

// Issue 11: maintenance windows (evaluated in coordinator time) and redeploys.
// NOW is Saturday 2026-11-21 11:00 in Berlin (UTC+1).
const berlinNight: MaintenanceWindow = {
  tz: "Europe/Berlin",
  days: ["mon", "tue", "wed", "thu", "fri", "sat"],
  start: "02:00",
  durationMinutes: 180,
};
const berlinMorning: MaintenanceWindow = { ...berlinNight, start: "10:30", durationMinutes: 60 };
const berlinLate: MaintenanceWindow = { ...berlinNight, start: "09:00", durationMinutes: 130 };
const MONDAY_0200 = Date.parse("2026-11-23T01:00:00.000Z");

function inWindow(
  window: MaintenanceWindow,
  extra: Partial<DesiredService> = {},
  requestId = "r2",
): DesiredService {
  return { ...want("1.1.0", requestId), window, ...extra };
}

const windowCases: typeof cases = [
  {
    name: "window closed: wait for the next opening (Sunday unlisted: Monday), with the reason",
    desired: inWindow(berlinNight),
    rec: record(),
    plan: {
      kind: "wait",
      until: MONDAY_0200,
      requestId: "r2",
      reason: "waiting for the maintenance window (opens Mon 02:00 Europe/Berlin)",
    },
  },
  {
    name: "window open with 30 minutes left: begin",
    desired: inWindow(berlinMorning),
    rec: record(),
    plan: { kind: "begin", requestId: "r2", redeploy: false },
  },
  {
    name: "window open with exactly minWindowMinutes (10) left: begin",
    desired: inWindow(berlinLate),
    rec: record(),
    plan: { kind: "begin", requestId: "r2", redeploy: false },
  },
  {
    name: "window open but fewer than minWindowMinutes left: the next opening",
    desired: inWindow({ ...berlinLate, durationMinutes: 129 }),
    rec: record(),
    plan: {
      kind: "wait",
      until: Date.parse("2026-11-23T08:00:00.000Z"),
      requestId: "r2",
      reason: "waiting for the maintenance window (opens Mon 09:00 Europe/Berlin)",
    },
  },
  {
    name: "opening later today: no weekday in the reason",
    desired: inWindow({ ...berlinNight, start: "23:00" }),
    rec: record(),
    plan: {
      kind: "wait",
      until: Date.parse("2026-11-21T22:00:00.000Z"),
      requestId: "r2",
      reason: "waiting for the maintenance window (opens 23:00 Europe/Berlin)",
    },
  },
  {
    name: "window null: as before",
    desired: { ...want("1.1.0"), window: null },
    rec: record(),
    plan: { kind: "begin", requestId: "r2", redeploy: false },
  },
  {
    name: "Prepared waiting for the window, same request: still waiting",
    desired: inWindow(berlinNight),
    rec: record({
      status: "Prepared",
      requestId: "r2",
      reason: "waiting for the maintenance window (opens Mon 02:00 Europe/Berlin)",
    }),
    plan: {
      kind: "wait",
      until: MONDAY_0200,
      requestId: "r2",
      reason: "waiting for the maintenance window (opens Mon 02:00 Europe/Berlin)",
    },
  },
  {
    name: "window open, valid-from ahead inside it: wait for valid-from",
    desired: inWindow(berlinMorning, { validFrom: "2026-11-21T10:10:00.000Z" }),
    rec: record(),
    plan: { kind: "wait", until: NOW + 10 * 60_000, requestId: "r2", reason: null },
  },
  {
    name: "window open now, valid-from after it closes: the opening after valid-from",
    desired: inWindow(berlinMorning, { validFrom: "2026-11-21T11:00:00.000Z" }),
    rec: record(),
    plan: {
      kind: "wait",
      until: Date.parse("2026-11-23T09:30:00.000Z"),
      requestId: "r2",
      reason: "waiting for the maintenance window (opens Mon 10:30 Europe/Berlin)",
    },
  },
  {
    name: "valid-from past, window open: begin",
    desired: inWindow(berlinMorning, { validFrom: "2026-11-20T00:00:00.000Z" }),
    rec: record(),
    plan: { kind: "begin", requestId: "r2", redeploy: false },
  },
  {
    name: "the active version outside the window: answered OK at once (nothing to install)",
    desired: { ...want("1.0.0"), window: berlinNight },
    rec: record(),
    plan: { kind: "already-active", requestId: "r2", version: "1.0.0" },
  },
  {
    name: "a job under way whose window closed: continue (await-ready re-checks it)",
    desired: inWindow(berlinNight),
    rec: withJob("await-ready", "r2"),
    plan: { kind: "continue" },
  },
  // Redeploy
  {
    name: "redeploy of the active version, new request: begin a reinstall",
    desired: { ...want("1.0.0", "r5"), redeploy: true },
    rec: record(),
    plan: { kind: "begin", requestId: "r5", redeploy: true },
  },
  {
    name: "redeploy, the same request again: one request (idle)",
    desired: { ...want("1.0.0", "r1"), redeploy: true },
    rec: record({ requestId: "r1" }),
    plan: { kind: "idle" },
  },
  {
    name: "redeploy false: the active version is OK at once",
    desired: { ...want("1.0.0", "r5"), redeploy: false },
    rec: record(),
    plan: { kind: "already-active", requestId: "r5", version: "1.0.0" },
  },
  {
    name: "redeploy of another version: an ordinary update",
    desired: { ...want("1.1.0", "r5"), redeploy: true },
    rec: record(),
    plan: { kind: "begin", requestId: "r5", redeploy: false },
  },
  {
    name: "redeploy on a first install: an ordinary install",
    desired: { ...want("1.0.0", "r5"), redeploy: true },
    rec: undefined,
    plan: { kind: "begin", requestId: "r5", redeploy: false },
  },
  {
    name: "redeploy in a closed window: waits like any install",
    desired: { ...want("1.0.0", "r5"), redeploy: true, window: berlinNight },
    rec: record(),
    plan: {
      kind: "wait",
      until: MONDAY_0200,
      requestId: "r5",
      reason: "waiting for the maintenance window (opens Mon 02:00 Europe/Berlin)",
    },
  },
];

describe("planService: maintenance windows and redeploys", () => {
  it.each(windowCases)("$name", ({ desired, rec, plan }) => {
    expect(planService(desired, rec, NOW, { minWindowMinutes: 10 })).toEqual(plan);
  });

  it("minWindowMinutes 0: open until the window's last instant", () => {
    // berlinLate closes 11:10 Berlin = 10:10Z.
    const closing = Date.parse("2026-11-21T10:09:59.999Z");
    expect(planService(inWindow(berlinLate), record(), closing, { minWindowMinutes: 0 }).kind).toBe(
      "begin",
    );
  });

  it("the default minWindowMinutes is 15", () => {
    // berlinLate closes 11:10 Berlin = 10:10Z; NOW is 10:00Z: 10 minutes left.
    expect(planService(inWindow(berlinLate), record(), NOW).kind).toBe("wait");
  });
});

describe("planService", () => {
  it.each(cases)("$name", ({ desired, rec, plan }) => {
    expect(planService(desired, rec, NOW)).toEqual(plan);
  });

  it("only steps before pre-hook can be cancelled", () => {
    const cancellable = [...FORWARD_STEPS, ...ROLLBACK_STEPS, "abort" as const].filter(
      isCancellable,
    );
    expect(cancellable).toEqual(["fetch", "unpack", "await-ready", "drain"]);
  });
});
