// Issue 11 in the release runner, on real files with the real planner: due starts
// (immediately, window, at; in order; the tick with an injected clock; node-schedule on the
// wall clock; a start missed while the coordinator was down), notices published before the
// save with deterministic keys, cancelOverlapping, window and redeploy in desired entries.

import type { MaintenanceWindow } from "@tillroll/protocol";
import { afterEach, describe, expect, it } from "vitest";
import type { NoticeInput, NoticePublisher } from "../../src/notices/notice-model.js";
import { newRelease } from "../../src/releases/new-release.js";
import type { ReleaseRecord, ReleaseSpec } from "../../src/releases/release-model.js";
import type { Blackout, ScheduleFacts } from "../../src/schedules/schedule-model.js";
import { type Harness, keyOf, makeHarness, spec, T0 } from "./runner-harness.js";

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

interface Recorded {
  key: string;
  notice: NoticeInput;
  /** The release's stored state when the notice was published. */
  storedState: string | undefined;
}

/** An outbox stand-in that drops duplicate keys and records what the store held then. */
function recorder(t: () => Harness): { publisher: NoticePublisher; seen: Recorded[] } {
  const seen: Recorded[] = [];
  const keys = new Set<string>();
  return {
    seen,
    publisher: {
      async publish(notices) {
        for (const { key, notice } of notices) {
          if (keys.has(key)) continue;
          keys.add(key);
          const id =
            "task" in notice ? notice.task.id : "release" in notice ? notice.release.release : "";
          seen.push({ key, notice, storedState: (await t().store.releases.get(id))?.state });
        }
      },
    },
  };
}

const BERLIN: MaintenanceWindow = {
  tz: "Europe/Berlin",
  days: ["mon"],
  start: "02:00",
  durationMinutes: 180,
};

function facts(blackouts: Blackout[] = [], window: MaintenanceWindow | null = null): ScheduleFacts {
  const covers = (b: Blackout, group: string | null) =>
    b.group === null || (group !== null && (group === b.group || group.startsWith(`${b.group}/`)));
  return {
    windowFor: () => (window === null ? null : { window, source: "group DE" }),
    blackoutsAt: (group, at) =>
      blackouts.filter(
        (b) => covers(b, group) && Date.parse(b.from) <= at && at < Date.parse(b.to),
      ),
    blackoutsOverlapping: () => [],
    upcomingBlackouts: () => blackouts,
    storeSetting: () => null,
  };
}

const oneStage = (more: Partial<ReleaseSpec> = {}) =>
  spec({ stages: [{ name: "pilot", target: { store: ["1001"] }, checkpoint: "none" }], ...more });

async function setUp(extra: Parameters<Harness["open"]>[0] = {}) {
  const t = await makeHarness();
  h = t;
  const rec = recorder(() => t);
  await t.crash();
  await t.open({ ...extra, extra: { notices: rec.publisher, tickMs: 3_600_000, ...extra.extra } });
  await t.runner.start();
  return { t, seen: rec.seen };
}

async function create(t: Harness, s: ReleaseSpec): Promise<ReleaseRecord> {
  const release = await t.store.releases.create((id) => newRelease(id, s, "anna", t.clock.now));
  await t.runner.created(release);
  return release;
}

/** The coordinator's desired entries of FN for store 1001's tills (what the documents carry). */
const pilotEntries = async (t: Harness) =>
  Promise.all(
    ["01", "02"].map(
      async (workstation) =>
        (await t.store.desired.servicesOf({ store: "1001", workstation }))["pos-client"],
    ),
  );

const state = async (t: Harness, id: string) => (await t.store.releases.get(id))?.state;
const releaseEntries = async (t: Harness, id: string) =>
  ((await t.store.releases.get(id))?.history ?? []).filter((e) => e.subject === "release");

describe("release runner: scheduled starts", () => {
  it("immediately: started right after creation, Ready -> Running 'schedule: immediately'", async () => {
    const { t, seen } = await setUp();
    await create(t, oneStage({ schedule: { mode: "immediately" } }));
    expect(await releaseEntries(t, "1")).toMatchObject([
      { from: "-", to: "Ready", reason: "created: schedule immediately", who: "anna" },
      { from: "Ready", to: "Running", reason: "schedule: immediately", who: "release runner" },
    ]);
    expect(t.published.map((p) => p.topic)).toEqual([
      "tillroll/v1/ws/1001/01/desired",
      "tillroll/v1/ws/1001/02/desired",
    ]);
    // task.planned, then the stage's start published BEFORE the record saying so was saved.
    expect(seen.map((s) => [s.key, s.notice.event, s.storedState])).toEqual([
      ["rel1-task.planned", "task.planned", "Ready"],
      ["rel1-h3-release.stage-started-pilot", "release.stage-started", "Ready"],
    ]);
    expect(seen[0]?.notice).toMatchObject({
      task: { id: "1", mode: "immediately", at: null, groups: ["DE/1001", "DE/1002", "DE/1003"] },
    });
  });

  it("at: Scheduled until its time; the tick with an injected clock starts it; in due order, then id", async () => {
    const { t } = await setUp();
    await create(t, oneStage({ schedule: { mode: "at", at: iso(T0 + 20 * MIN) } }));
    await create(
      t,
      spec({
        name: "other",
        target: { store: ["1002"] },
        stages: [{ name: "pilot", checkpoint: "none" }],
        schedule: { mode: "at", at: iso(T0 + 10 * MIN) },
      }),
    );
    await t.runner.startDue();
    expect([await state(t, "1"), await state(t, "2")]).toEqual(["Scheduled", "Scheduled"]);
    t.clock.now = T0 + 30 * MIN;
    await t.runner.startDue();
    expect([await state(t, "1"), await state(t, "2")]).toEqual(["Running", "Running"]);
    const starts = t.logs.filter((line) => /Scheduled -> Running/.test(line));
    expect(starts).toEqual([
      `release 2: Scheduled -> Running (schedule: at ${iso(T0 + 10 * MIN)}) by release runner`,
      `release 1: Scheduled -> Running (schedule: at ${iso(T0 + 20 * MIN)}) by release runner`,
    ]);
  });

  it("a start missed while the coordinator was down runs at once, and the log says so", async () => {
    const { t } = await setUp();
    const at = iso(T0 + 10 * MIN);
    await create(t, oneStage({ schedule: { mode: "at", at } }));
    await t.crash();
    t.clock.now = T0 + 60 * MIN;
    await t.open({ extra: { tickMs: 3_600_000 } });
    await t.runner.start();
    const reason = `start missed at ${at} while the coordinator was down: starting now`;
    expect(await releaseEntries(t, "1")).toMatchObject([
      { to: "Scheduled" },
      { from: "Scheduled", to: "Running", reason },
    ]);
    expect(t.logs).toContain(`release 1: ${reason}`);
    expect(t.published).toHaveLength(2);
  });

  it("…unless a blackout covers now: then it is cancelled naming the blackout, owner told", async () => {
    const { t, seen } = await setUp();
    await create(t, oneStage({ schedule: { mode: "at", at: iso(T0 + 10 * MIN) } }));
    await t.crash();
    t.clock.now = T0 + 60 * MIN;
    const freeze: Blackout = {
      id: "2",
      from: iso(T0 + 30 * MIN),
      to: iso(T0 + 120 * MIN),
      reason: "Christmas freeze",
      group: "DE",
      createdBy: "root",
      createdAt: iso(T0),
    };
    const rec = recorder(() => t);
    await t.open({
      extra: { scheduleFacts: facts([freeze]), notices: rec.publisher, tickMs: 3_600_000 },
    });
    await t.runner.start();
    expect(await state(t, "1")).toBe("Cancelled");
    expect((await releaseEntries(t, "1")).at(-1)?.reason).toMatch(
      /^not started: blackout 2 \(Christmas freeze, .* to .*\) covers the start/,
    );
    expect(t.published).toEqual([]);
    expect(rec.seen.map((s) => s.notice.event)).toEqual(["release.ended", "task.cancelled"]);
    expect(seen.map((s) => s.notice.event)).toEqual(["task.planned"]);
  });

  it("node-schedule starts an at task on the wall clock (no tick)", async () => {
    const { t } = await setUp();
    const at = Date.now() + 400;
    t.clock.now = at - 1_000;
    await create(t, oneStage({ schedule: { mode: "at", at: iso(at) } }));
    expect(await state(t, "1")).toBe("Scheduled");
    t.clock.now = at;
    await expect.poll(() => state(t, "1"), { timeout: 3_000, interval: 50 }).toBe("Running");
  });
});

describe("release runner: cancelOverlapping (blackouts)", () => {
  it("cancels Scheduled tasks inside the blackout over its groups, forced ones too; durable, notified", async () => {
    const { t, seen } = await setUp();
    await create(t, oneStage({ schedule: { mode: "at", at: iso(T0 + 60 * MIN) }, forced: true }));
    await create(t, oneStage({ schedule: { mode: "at", at: iso(T0 + 600 * MIN) } }));
    await create(
      t,
      spec({
        name: "at",
        target: { group: ["AT"] },
        schedule: { mode: "at", at: iso(T0 + 60 * MIN) },
      }),
    );
    const blackout: Blackout = {
      id: "2",
      from: iso(T0 + 30 * MIN),
      to: iso(T0 + 120 * MIN),
      reason: "Christmas freeze",
      group: "DE",
      createdBy: "root",
      createdAt: iso(T0),
    };
    const cancelled = await t.runner.cancelOverlapping(blackout, "root");
    expect(cancelled).toEqual([
      { id: "1", name: "pos-client 1.1.0 spring", createdBy: "anna", at: iso(T0 + 60 * MIN) },
    ]);
    expect(await state(t, "1")).toBe("Cancelled");
    expect(await state(t, "2")).toBe("Scheduled");
    expect(await state(t, "3")).toBe("Scheduled");
    const notice = seen.find((s) => s.notice.event === "task.cancelled");
    expect(notice).toMatchObject({
      key: "rel1-task.cancelled",
      storedState: "Scheduled",
      notice: {
        by: "root",
        reason: expect.stringMatching(/^cancelled by root: blackout 2 \(Christmas freeze/),
      },
    });
  });
});

describe("release runner: window and redeploy in desired entries", () => {
  it("window mode: each member's entry carries its store's window", async () => {
    const { t } = await setUp({
      extra: {
        scheduleFacts: facts([], BERLIN),
        capabilitiesOf: () => ["window", "redeploy"],
        windowDeadline: (_w, from, budget) => from + budget,
      },
    });
    await create(t, oneStage({ schedule: { mode: "window" } }));
    expect(await state(t, "1")).toBe("Running");
    const entries = await pilotEntries(t);
    expect(t.published).toHaveLength(2);
    for (const entry of entries)
      expect(entry).toMatchObject({ window: BERLIN, preferredVersion: "1.1.0" });
    expect(entries[0]).not.toHaveProperty("redeploy");
    // …and the signed documents published carry it (protocol desired entry `window`).
    expect(t.entries.map((e) => e.window)).toEqual([BERLIN, BERLIN]);
  });

  it("redeploy: rows on the version reinstall it, entries carry redeploy: true", async () => {
    const { t } = await setUp({ extra: { capabilitiesOf: () => ["window", "redeploy"] } });
    await t.report(keyOf("1001", "01"), "OK", "1.1.0");
    await create(t, oneStage({ redeploy: true, schedule: { mode: "immediately" } }));
    const entries = await pilotEntries(t);
    expect(entries.map((e) => [e?.requestId, e?.redeploy])).toEqual([
      ["rel1-0-0-1", true],
      ["rel1-0-1-1", true],
    ]);
    expect(entries[0]).not.toHaveProperty("window");
    expect(t.entries.map((e) => e.redeploy)).toEqual([true, true]);
  });

  it("without capabilities (an old agent) window mode sends nothing and says why", async () => {
    const { t } = await setUp({ extra: { scheduleFacts: facts([], BERLIN) } });
    await create(t, oneStage({ schedule: { mode: "window" } }));
    const stage = (await t.store.releases.get("1"))?.stages[0];
    expect(stage?.skipped.map((s) => s.reason)).toEqual([
      "agent does not understand maintenance windows (update tillroll-agent)",
      "agent does not understand maintenance windows (update tillroll-agent)",
    ]);
    expect(t.published).toEqual([]);
  });
});
