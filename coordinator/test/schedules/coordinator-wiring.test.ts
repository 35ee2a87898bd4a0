// Coordinator.start wires the schedules: the ScheduledTasks and NoticePublisher passed in are
// what a blackout calls, `coordinator.schedules` is what releases read, and everything is back
// after a restart on the same data folder (blackout ids go on).

import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Coordinator } from "../../src/coordinator.js";
import type { NoticeInput, NoticePublisher } from "../../src/notices/notice-model.js";
import { newRelease } from "../../src/releases/new-release.js";
import type { Blackout } from "../../src/schedules/schedule-model.js";
import { JsonReleases } from "../../src/store/json/json-releases.js";
import { JsonSchedules } from "../../src/store/json/json-schedules.js";
import { FAST_SCRYPT } from "../accounts/helpers.js";
import { spec } from "../releases/runner-harness.js";

const root = mkdtempSync(join(tmpdir(), "tillroll-schedule-wiring-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the coordinator's schedules", { timeout: 60_000 }, () => {
  it("a blackout calls the tasks and notices passed in; the schedules survive a restart", async () => {
    const asked: Blackout[] = [];
    const published: { key: string; notice: NoticeInput }[] = [];
    const start = () =>
      Coordinator.start({
        dataDir: join(root, "data"),
        mqttPort: 0,
        httpPort: 0,
        log: () => undefined,
        passwordParams: FAST_SCRYPT,
        scheduledTasks: {
          cancelOverlapping: async (blackout, who) => {
            asked.push(blackout);
            return [
              {
                id: "7",
                name: `spring (${who})`,
                createdBy: "anna",
                at: "2026-12-24T02:00:00.000Z",
              },
            ];
          },
        },
        notices: { publish: async (list) => void published.push(...list) },
      });
    let coordinator = await start();
    const token = readFileSync(join(coordinator.dataDir, "operator-token"), "utf8").trim();
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${coordinator.httpUrl}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    try {
      const window = { tz: "Europe/Berlin", days: ["sat"], start: "23:00", durationMinutes: 180 };
      expect((await post("/api/windows", { group: "DE", window })).status).toBe(200);
      const from = new Date(Date.now() + 86_400_000).toISOString();
      const to = new Date(Date.now() + 2 * 86_400_000).toISOString();
      const added = await post("/api/blackouts", { from, to, reason: "Christmas freeze" });
      expect(added).toMatchObject({
        status: 201,
        body: { blackout: { id: "1" }, cancelled: [{ id: "7", name: "spring (admin)" }] },
      });
      expect(asked.map((b) => [b.id, b.group])).toEqual([["1", null]]);
      expect(published.map((p) => [p.key, p.notice.event])).toEqual([
        ["blackout1-announced", "blackout.announced"],
      ]);
      expect(statSync(join(coordinator.dataDir, "schedules.json")).mode & 0o777).toBe(0o600);
    } finally {
      await coordinator.stop();
    }
    coordinator = await start();
    try {
      expect(coordinator.schedules.windowFor("1001", "DE/North")?.window).toMatchObject({
        start: "23:00",
      });
      expect(coordinator.schedules.upcomingBlackouts(Date.now()).map((b) => b.id)).toEqual(["1"]);
      const removed = await post("/api/blackouts/remove", { id: "1" });
      expect(removed.status).toBe(200);
      expect(published.at(-1)).toMatchObject({
        key: "blackout1-removed",
        notice: { event: "blackout.removed" },
      });
      const next = await post("/api/blackouts", {
        from: new Date(Date.now() + 86_400_000).toISOString(),
        to: new Date(Date.now() + 2 * 86_400_000).toISOString(),
        reason: "second",
        group: "DE",
      });
      expect(next.body).toMatchObject({ blackout: { id: "2", group: "DE" } });
    } finally {
      await coordinator.stop();
    }
  });

  it("notices a stop left owed (blackout, task.planned) are published at start, first, once", async () => {
    const dataDir = join(root, "owed");
    const published: string[] = [];
    const start = (notices: NoticePublisher) =>
      Coordinator.start({
        dataDir,
        mqttPort: 0,
        httpPort: 0,
        log: () => undefined,
        passwordParams: FAST_SCRYPT,
        notices,
      });
    let fail = true;
    let coordinator = await start({
      publish: async (list) => {
        if (fail) throw new Error("outbox: no space left on device");
        published.push(...list.map((n) => n.key));
      },
    });
    try {
      const token = readFileSync(join(dataDir, "operator-token"), "utf8").trim();
      const response = await fetch(`${coordinator.httpUrl}/api/blackouts`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          from: new Date(Date.now() + 86_400_000).toISOString(),
          to: new Date(Date.now() + 2 * 86_400_000).toISOString(),
          reason: "freeze",
        }),
      });
      // The blackout stands; its announcement is owed (schedules.json), not lost.
      expect(response.status).toBe(201);
      expect(published).toEqual([]);
    } finally {
      await coordinator.stop();
    }
    // A release task saved, then the process gone before its task.planned was published.
    const releases = await JsonReleases.open(dataDir, () => undefined);
    await releases.create((id) => newRelease(id, spec(), "anna", Date.now()));
    fail = false;
    const record = {
      publish: async (list: readonly { key: string }[]) =>
        void published.push(...list.map((n) => n.key)),
    };
    coordinator = await start(record);
    await coordinator.stop();
    expect(published).toEqual(["blackout1-announced", "rel1-task.planned"]);
    coordinator = await start(record);
    await coordinator.stop();
    expect(published).toEqual(["blackout1-announced", "rel1-task.planned"]);
  });

  it("a stop between a blackout's write and its cancels: the task inside it is cancelled at start, its owner notified", async () => {
    const dataDir = join(root, "leftovers");
    mkdirSync(dataDir, { mode: 0o700 });
    const at = new Date(Date.now() + 36 * 3_600_000).toISOString();
    // The state such a stop leaves: a Scheduled task, and a blackout over its time
    // that was written but never got to cancel it.
    const releases = await JsonReleases.open(dataDir, () => undefined);
    await releases.create((id) =>
      newRelease(id, spec({ schedule: { mode: "at", at } }), "anna", Date.now()),
    );
    const schedules = await JsonSchedules.open(dataDir, () => undefined);
    await schedules.addBlackout((id) => ({
      id,
      from: new Date(Date.now() + 86_400_000).toISOString(),
      to: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      reason: "Christmas freeze",
      group: null,
      createdBy: "admin",
      createdAt: new Date().toISOString(),
    }));
    const published: string[] = [];
    const logged: string[] = [];
    const coordinator = await Coordinator.start({
      dataDir,
      mqttPort: 0,
      httpPort: 0,
      log: (line) => logged.push(line),
      passwordParams: FAST_SCRYPT,
      notices: { publish: async (list) => void published.push(...list.map((n) => n.key)) },
    });
    try {
      const stored = JSON.parse(readFileSync(join(dataDir, "releases", "1.json"), "utf8")).release;
      expect(stored.state).toBe("Cancelled");
      expect(stored.history.at(-1)).toMatchObject({
        from: "Scheduled",
        to: "Cancelled",
        who: "admin",
      });
      expect(stored.history.at(-1).reason).toContain("blackout 1 (Christmas freeze");
      expect(published).toContain("rel1-task.cancelled");
      expect(
        logged.some((line) => /blackout 1: cancelled task 1 .* a stop had left/.test(line)),
      ).toBe(true);
    } finally {
      await coordinator.stop();
    }
  });
});
