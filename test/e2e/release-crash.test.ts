import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReleaseFleet as Fleet, ReleaseFleet } from "./release-kit.js";
import {
  FLEET,
  installsOf,
  recordingPack,
  rowOf,
  stage,
  startsPerStage,
} from "./release-probes.js";

/**
 * Issue 10, acceptance 3: the coordinator is killed with kill -9 while a
 * stage is running, again while the release waits for approval, and once
 * more right after the approval's answer; after
 * each restart (same data folder) the release goes on where it was, and in
 * the end every till is OK on the new version having installed it exactly
 * once, under the one request id the coordinator gave it.
 */

describe("release tasks end to end: coordinator kill -9 mid-stage and at a checkpoint", {
  timeout: 150_000,
}, () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await ReleaseFleet.create("release-crash", [
      recordingPack("1.0.0"),
      // Three seconds in the hook: the kill lands while a till is In Progress.
      recordingPack("1.1.0", {}, 3),
    ]);
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  });

  it("after kill -9 while the pilot runs, while wave 1 waits for approval and right after the approval, the release completes: every till OK on 1.1.0, installed once, request ids unchanged", async () => {
    const { coordinator } = fleet.kit;
    const created = await fleet.createRelease("rita", {
      name: "pos-client 1.1.0 through two crashes",
      function: "pos-client",
      version: "1.1.0",
      stages: [
        { name: "pilot", target: { store: ["1001"] } },
        { name: "wave 1", percent: 50, checkpoint: "approval" },
        { name: "rest" },
      ],
      stageTimeout: "60s",
      maxPerStore: 1,
    });
    const id = created.id;
    const began = Date.now();
    await fleet.operate("rita", "start", id);

    // Crash 1: the pilot's first till is In Progress (in its 3 s hook), its second not sent yet.
    // (release-crash-loop.test.ts kills at other moments too, reports in flight included.)
    const running = await fleet.untilRelease(
      id,
      "a pilot till In Progress, in its beforeInstall hook",
      (r, rs) =>
        stage(r, "pilot").counts["In Progress"] === 1 &&
        rowOf(rs, "1001/01").phase === "installing",
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stage(running.release, "pilot").counts).toMatchObject({ queued: 1, OK: 0 });
    const beforeCrash1 = await fleet.desiredOnDisk();
    const sentBeforeCrash1 = FLEET.filter(
      (till) => beforeCrash1[till]?.preferredVersion === "1.1.0",
    );
    expect(sentBeforeCrash1).toEqual(["1001/01"]);
    await coordinator.kill9();
    const crash1At = Date.now() - began;
    // The till finishes its install meanwhile; its report must not be lost.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    await coordinator.start();

    const waiting = await fleet.untilRelease(
      id,
      "the pilot Successful after the restart, wave 1 waiting for approval",
      (r) =>
        stage(r, "pilot").state === "Successful" &&
        stage(r, "wave 1").state === "Waiting for approval",
    );
    expect(stage(waiting.release, "pilot").counts).toMatchObject({ OK: 2, total: 2 });
    const beforeCrash2 = await fleet.desiredOnDisk();
    expect(beforeCrash2["1001/01"]?.requestId).toBe(beforeCrash1["1001/01"]?.requestId);

    // Crash 2: at the checkpoint.
    await coordinator.kill9();
    const crash2At = Date.now() - began;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await coordinator.start();
    const restarted = await fleet.show(id);
    expect(restarted.state).toBe("Running");
    expect(restarted.stages.map((s) => [s.name, s.state])).toEqual([
      ["pilot", "Successful"],
      ["wave 1", "Waiting for approval"],
      ["rest", "Pending"],
    ]);
    expect(await fleet.desiredOnDisk()).toEqual(beforeCrash2);

    await fleet.operate("paul", "approve", id, "pilot survived two crashes");
    // Crash 3: right after the approval's answer, while wave 1's first sends go out.
    await coordinator.kill9();
    const crash3At = Date.now() - began;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await coordinator.start();
    const done = await fleet.untilRelease(
      id,
      "the release Successful",
      (r) => r.state === "Successful",
      90_000,
    );
    console.log(
      `release-crash: kill -9 at ${crash1At} ms (pilot running), ${crash2At} ms (waiting for approval) and ${crash3At} ms (just approved); Successful after ${Date.now() - began} ms`,
    );

    expect(startsPerStage(done.release)).toEqual({ pilot: 1, "wave 1": 1, rest: 1 });
    const members = done.release.stages.flatMap((s) => s.members);
    expect([...members].sort()).toEqual(FLEET.map((till) => `${till}/pos-client`));
    const desired = await fleet.desiredOnDisk();
    expect(desired["1001/01"]?.requestId).toBe(beforeCrash1["1001/01"]?.requestId);
    expect(desired["1001/02"]?.requestId).toBe(beforeCrash2["1001/02"]?.requestId);
    const requestIds = new Set<string>();
    for (const till of FLEET) {
      expect(rowOf(done.rows, till)).toMatchObject({
        status: "OK",
        activeVersion: "1.1.0",
        preferredVersion: "1.1.0",
      });
      // From the agent's side: exactly one install of 1.1.0, under the request the coordinator keeps.
      const installs = (await installsOf(fleet.agent(till))).filter((i) => i.version === "1.1.0");
      expect(installs, till).toHaveLength(1);
      const requestId = desired[till]?.requestId ?? "";
      expect(installs[0]?.requestId, till).toBe(requestId);
      // The first attempt: nothing was re-sent as a new request.
      expect(requestId, till).toMatch(/^rel\d+-\d+-\d+-1$/);
      requestIds.add(requestId);
    }
    expect(requestIds.size).toBe(FLEET.length);
  });
});
