import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReleaseFleet as Fleet, ReleaseFleet } from "./release-kit.js";
import { FLEET, installsOf, recordingPack, rowOf, stage } from "./release-probes.js";

/**
 * Issue 10, acceptance 2 (errors): a version whose health check fails stops
 * the release at its first stage (onError "pause"), later stages never start,
 * an offline till times out after stageTimeout, and `release rollback` gives
 * every touched till its previous version back.
 */
describe("release tasks end to end: a failing version, an offline till, rollback", {
  timeout: 150_000,
}, () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await ReleaseFleet.create("release-failure", [
      recordingPack("1.0.0"),
      recordingPack("1.1.0", { health: "fail", healthTimeoutSeconds: 1 }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  });

  it("the pilot fails (one Rolled Back, one offline till timed out), the release waits Failed, later stages never start; rollback restores 1.0.0 everywhere it went", async () => {
    // 1001/02 is switched off before the release: it will never answer.
    await fleet.agent("1001/02").stop();
    await fleet.kit.until("1001/02 offline", (rs) =>
      rs.some((r) => r.store === "1001" && r.workstation === "02" && !r.online),
    );
    const desiredBefore = await fleet.desiredOnDisk();

    const created = await fleet.createRelease("rita", {
      name: "pos-client 1.1.0 (broken health check)",
      function: "pos-client",
      version: "1.1.0",
      stages: [
        { name: "pilot", target: { store: ["1001"] } },
        { name: "wave 1", target: { store: ["1002"] } },
        { name: "rest" },
      ],
      // One error of two is tolerated (50 % is not above 50 %); the timeout makes it two.
      errorThreshold: "50%",
      stageTimeout: "8s",
      onError: "pause",
    });
    const id = created.id;
    const started = Date.now();
    await fleet.operate("rita", "start", id);
    // A running release cannot be rolled back: the refusal names its state.
    const early = await fleet.cli("rita", "release", "rollback", id);
    expect(early.code).not.toBe(0);
    expect(early.stderr).toMatch(/the release task is Running: pause it first/);

    const rolledBack = await fleet.untilRelease(
      id,
      "1001/01 Rolled Back by its agent",
      (r) => stage(r, "pilot").counts["Rolled Back"] === 1,
    );
    const rolledBackAfter = Date.now() - started;
    expect(stage(rolledBack.release, "pilot").state).toBe("Running");
    expect(rolledBack.release.state).toBe("Running");

    const failed = await fleet.untilRelease(id, "the release Failed", (r) => r.state === "Failed");
    const failedAfter = Date.now() - started;
    console.log(
      `release-failure: 1001/01 Rolled Back after ${rolledBackAfter} ms, the pilot Failed after ${failedAfter} ms (stageTimeout 8 s)`,
    );
    expect(failedAfter).toBeGreaterThanOrEqual(8000);
    const pilot = stage(failed.release, "pilot");
    expect(pilot.state).toBe("Failed");
    expect(pilot.counts).toMatchObject({ "Rolled Back": 1, "timed out": 1, OK: 0, total: 2 });
    expect(pilot.timedOut).toEqual(["1001/02/pos-client"]);
    expect(pilot.failed).toEqual([
      expect.objectContaining({
        key: "1001/01/pos-client",
        status: "Rolled Back",
        reason: expect.stringMatching(/health check of 1\.1\.0 failed/),
      }),
    ]);
    expect(pilot.reason ?? "").toMatch(/2 of 2/);

    // The terminal view names the timed-out till and the failed one with its reason.
    const text = await fleet.cli("rita", "release", "show", id);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/timed out[\s\S]*1001\/02|1001\/02[\s\S]*timed out/);
    expect(text.stdout).toMatch(/1001\/01[\s\S]*health check of 1\.1\.0 failed/);

    // Later stages never start and their tills never hear of 1.1.0.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const still = await fleet.show(id);
    expect(still.state).toBe("Failed");
    for (const name of ["wave 1", "rest"]) {
      expect(stage(still, name).state).toBe("Pending");
      expect(stage(still, name).members).toEqual([]);
    }
    const rows = await fleet.statusRows();
    const desired = await fleet.desiredOnDisk();
    for (const till of FLEET.filter((t) => !t.startsWith("1001/"))) {
      expect(rowOf(rows, till)).toMatchObject({
        status: "OK",
        activeVersion: "1.0.0",
        preferredVersion: null,
      });
      expect(desired[till]).toEqual(desiredBefore[till]);
      expect((await installsOf(fleet.agent(till))).map((i) => i.version)).toEqual(["1.0.0"]);
    }

    // Rollback: every till the release sent to gets its previous version back.
    await fleet.operate("rita", "rollback", id);
    const back = await fleet.untilRelease(
      id,
      "the release Rolled Back and 1001/01 OK on 1.0.0",
      (r, rs) =>
        r.state === "Rolled Back" &&
        rowOf(rs, "1001/01").status === "OK" &&
        rowOf(rs, "1001/01").preferredVersion === "1.0.0",
    );
    expect(back.release.stages.map((s) => [s.name, s.state])).toEqual([
      ["pilot", "Failed"],
      ["wave 1", "Cancelled"],
      ["rest", "Cancelled"],
    ]);
    expect(rowOf(back.rows, "1001/01")).toMatchObject({ activeVersion: "1.0.0" });
    const rollbackDesired = await fleet.desiredOnDisk();
    expect(rollbackDesired["1001/02"]?.preferredVersion).toBe("1.0.0");

    // The offline till comes back and gets the rollback, not 1.1.0.
    await fleet.agent("1001/02").start();
    const returned = await fleet.kit.until("1001/02 back, OK on 1.0.0 preferred 1.0.0", (rs) => {
      const r = rs.find((x) => x.store === "1001" && x.workstation === "02");
      return (
        r?.online === true &&
        r.status === "OK" &&
        r.activeVersion === "1.0.0" &&
        r.preferredVersion === "1.0.0"
      );
    });
    expect(rowOf(returned, "1001/01")).toMatchObject({ status: "OK", activeVersion: "1.0.0" });
    expect((await installsOf(fleet.agent("1001/02"))).map((i) => i.version)).toEqual(["1.0.0"]);
    expect(
      (await installsOf(fleet.agent("1001/01"))).filter((i) => i.version === "1.1.0"),
    ).toHaveLength(1);
    // A second rollback finds nothing left to send.
    const desiredRolledBack = await fleet.desiredOnDisk();
    const again = await fleet.cli("rita", "release", "rollback", id);
    expect(again.stderr).not.toMatch(/\n\s+at /);
    expect((await fleet.show(id)).state).toBe("Rolled Back");
    expect(await fleet.desiredOnDisk()).toEqual(desiredRolledBack);
  });
});
