import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReleaseFleet } from "./release-kit.js";
import { type ReleaseView, recordingPack, rowOf } from "./release-probes.js";

/**
 * Issue 11, acceptance 2 (`at`): a release task scheduled a few seconds
 * ahead stays Scheduled through a coordinator kill -9 and restart (same data
 * folder) and starts on time; one whose start passed while the coordinator
 * was down starts at once after the restart, and the log and the history say
 * so. Real coordinator process, real agents, real time (node-schedule).
 */

const TILLS = ["1001/01", "1002/01"];

/** The history entry of the release's own move out of Scheduled. */
function startEntry(release: ReleaseView) {
  const entry = release.history?.find(
    (h) => h.subject === "release" && h.from === "Scheduled" && h.to === "Running",
  );
  if (entry === undefined)
    throw new Error(`no Scheduled -> Running in ${JSON.stringify(release.history)}`);
  return entry;
}

describe("schedules end to end: `at` and coordinator restarts", { timeout: 120_000 }, () => {
  let fleet: ReleaseFleet;
  beforeAll(async () => {
    fleet = await ReleaseFleet.create(
      "schedule-at",
      [recordingPack("1.0.0"), recordingPack("1.1.0"), recordingPack("1.2.0")],
      { tills: TILLS },
    );
  }, 90_000);
  afterAll(async () => {
    await fleet?.close();
  });

  it("C: a task `at` 12 s ahead stays Scheduled through a kill -9 and restart and starts on time", async () => {
    const { coordinator } = fleet.kit;
    // 12 s: room for the kill and a restart on a loaded machine before the start is due.
    const at = new Date(Math.ceil((Date.now() + 12_000) / 1000) * 1000).toISOString();
    const created = await fleet.createRelease("rita", {
      name: "at across a restart",
      function: "pos-client",
      version: "1.1.0",
      stages: [{ name: "all" }],
      schedule: { mode: "at", at },
    });
    expect(created.state).toBe("Scheduled");
    for (const till of TILLS)
      expect(rowOf(await fleet.statusRows(), till)).toMatchObject({
        scheduled: { release: created.id, at },
      });

    await coordinator.kill9();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await coordinator.start();
    expect((await fleet.show(created.id)).state).toBe("Scheduled");
    expect(Date.now()).toBeLessThan(Date.parse(at) - 1000); // the restart was in between

    const started = await fleet.untilRelease(
      created.id,
      "the release left Scheduled",
      (r) => r.state !== "Scheduled",
      30_000,
    );
    const seenLateMs = Date.now() - Date.parse(at);
    expect(started.release.state).toBe("Running");
    const entry = startEntry(started.release);
    const lateMs = Date.parse(entry.at) - Date.parse(at);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(2000);
    const done = await fleet.untilRelease(
      created.id,
      "Successful",
      (r) => r.state === "Successful",
    );
    for (const till of TILLS)
      expect(rowOf(done.rows, till)).toMatchObject({ status: "OK", activeVersion: "1.1.0" });
    console.log(
      `at: started ${lateMs} ms after its time (history), seen Running ${seenLateMs} ms after; a kill -9 and restart in between`,
    );
  });

  it("C: a start missed while the coordinator was down runs at once after the restart; the log and the history say so", async () => {
    const { coordinator } = fleet.kit;
    const at = new Date(Math.ceil((Date.now() + 4000) / 1000) * 1000).toISOString();
    const created = await fleet.createRelease("rita", {
      name: "missed while down",
      function: "pos-client",
      version: "1.2.0",
      stages: [{ name: "all" }],
      schedule: { mode: "at", at },
    });
    expect(created.state).toBe("Scheduled");
    await coordinator.stop();
    await new Promise((resolve) => setTimeout(resolve, Date.parse(at) + 3000 - Date.now()));
    const restartedAt = Date.now();
    await coordinator.start();
    const started = await fleet.untilRelease(
      created.id,
      "the release Running after the restart",
      (r) => r.state === "Running" || r.state === "Successful",
      30_000,
    );
    const entry = startEntry(started.release);
    expect(entry.reason).toMatch(
      /^start missed at .+ while the coordinator was down: starting now$/,
    );
    expect(Date.parse(entry.at) - restartedAt).toBeLessThan(5000);
    expect(coordinator.output.join("\n")).toMatch(
      /start missed at .+ while the coordinator was down: starting now/,
    );
    const done = await fleet.untilRelease(
      created.id,
      "Successful",
      (r) => r.state === "Successful",
    );
    for (const till of TILLS)
      expect(rowOf(done.rows, till)).toMatchObject({ status: "OK", activeVersion: "1.2.0" });
    console.log(
      `missed start: "${entry.reason}" ${Date.parse(entry.at) - restartedAt} ms after the restart began`,
    );
  });
});
