import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReleaseFleet as Fleet, ReleaseFleet } from "./release-kit.js";
import { FLEET, installsOf, recordingPack, rowOf, stage } from "./release-probes.js";
import { StoreSampler } from "./store-sampler.js";

/**
 * Issue 10, acceptance 2 (checkpoints, four eyes, reject, maxPerStore, Not
 * Ready): a real coordinator and 3 stores × 2 tills of real agents. A pilot
 * store first, then "wave 1" (a share of the stores, after an approval), then
 * the rest (at the push of a button), one till per store at a time.
 */

function releaseDocument(version: string, stageTimeout: string) {
  return {
    name: `pos-client ${version} spring`,
    function: "pos-client",
    version,
    target: { group: ["DE"] },
    stages: [
      { name: "pilot", target: { store: ["1001"] } },
      { name: "wave 1", percent: 34, checkpoint: "approval" },
      { name: "rest", checkpoint: "trigger" },
    ],
    errorThreshold: "0%",
    successThreshold: "100%",
    stageTimeout,
    soak: "0s",
    maxPerStore: 1,
    onError: "pause",
  };
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

describe("release tasks end to end: checkpoints, four eyes, maxPerStore, Not Ready", {
  timeout: 150_000,
}, () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await ReleaseFleet.create("release-flow", [
      recordingPack("1.0.0"),
      // The hook's second keeps each till In Progress long enough for the sampler to see it.
      recordingPack("1.1.0", {}, 1),
      recordingPack("1.2.0", {}, 1),
    ]);
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  });

  it("the pilot store updates till by till, wave 1 waits for approval, the creator may not approve, a reject ends it and leaves the other stores untouched", async () => {
    const began = Date.now();
    const desiredBefore = await fleet.desiredOnDisk();
    const sampler = new StoreSampler(() => fleet.statusRows());
    const created = await fleet.createRelease("rita", releaseDocument("1.1.0", "20s"));
    expect(created.state).toBe("Ready");
    expect(created.stages.map((s) => [s.name, s.state])).toEqual([
      ["pilot", "Pending"],
      ["wave 1", "Pending"],
      ["rest", "Pending"],
    ]);
    // Every stage carries a count for each outcome, zeros included.
    for (const s of created.stages)
      expect(Object.keys(s.counts).sort()).toEqual(
        [
          "OK",
          "soaking",
          "In Progress",
          "Prepared",
          "Not Ready",
          "queued",
          "held",
          "Failed",
          "Rolled Back",
          "timed out",
          "total",
          "skipped",
        ].sort(),
      );
    const id = created.id;
    await fleet.operate("rita", "start", id);

    const { release, rows } = await fleet.untilRelease(
      id,
      "the pilot is Successful and wave 1 waits for approval",
      (r) =>
        stage(r, "pilot").state === "Successful" &&
        stage(r, "wave 1").state === "Waiting for approval",
    );
    const pilotSeconds = seconds(began);
    expect(release.state).toBe("Running");
    expect(stage(release, "pilot").members).toEqual(["1001/01/pos-client", "1001/02/pos-client"]);
    expect(stage(release, "pilot").counts).toMatchObject({ OK: 2, total: 2, Failed: 0 });
    for (const till of ["1001/01", "1001/02"])
      expect(rowOf(rows, till)).toMatchObject({ status: "OK", activeVersion: "1.1.0" });
    // Nothing of wave 1 or rest is fixed before its checkpoint.
    expect(stage(release, "wave 1").members).toEqual([]);
    expect(stage(release, "rest").state).toBe("Pending");

    // The CLI shows the same release: --json carries id, state and stages with their counts.
    const shown = await fleet.cli("paul", "release", "show", id, "--json");
    expect(shown.code, shown.stderr).toBe(0);
    const shownJson = JSON.parse(shown.stdout) as typeof release;
    expect(shownJson).toMatchObject({ id, state: "Running" });
    expect(shownJson.stages.map((s) => [s.name, s.state, s.counts.OK, s.counts.total])).toEqual([
      ["pilot", "Successful", 2, 2],
      ["wave 1", "Waiting for approval", 0, 0],
      ["rest", "Pending", 0, 0],
    ]);
    const text = await fleet.cli("paul", "release", "show", id);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/pilot[\s\S]*Successful/);
    expect(text.stdout).toMatch(/wave 1[\s\S]*Waiting for approval/);

    // Four eyes: rita created the release; her approval is refused over the API and the CLI.
    const viaApi = await fleet.api("rita", "POST", "/api/releases/approve", {
      id,
      comment: "mine, so fine",
    });
    expect(viaApi.status).toBe(403);
    expect(JSON.stringify(viaApi.body)).toMatch(/four eyes/);
    const viaCli = await fleet.cli("rita", "release", "approve", id, "--comment", "mine, so fine");
    expect(viaCli.code).not.toBe(0);
    expect(viaCli.stderr).toMatch(/four eyes/);
    expect(stage(await fleet.show(id), "wave 1").state).toBe("Waiting for approval");

    // The pilot's rows belong to this active release: set-preferred skips them naming it,
    // and another release of the function cannot take them (its stage skips them too).
    const manual = await fleet.cli(
      "admin",
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      "1.2.0",
      "--store",
      "1001",
      "--json",
    );
    expect(manual.code).not.toBe(0);
    expect(`${manual.stdout}${manual.stderr}`).toMatch(new RegExp(`release task ${id}\\b`));
    const overlap = await fleet.createRelease("rita", {
      name: "pos-client 1.2.0 for the pilot store too",
      function: "pos-client",
      version: "1.2.0",
      target: { store: ["1001"] },
      stages: [{ name: "only" }],
    });
    await fleet.operate("rita", "start", overlap.id);
    const overlapped = (
      await fleet.untilRelease(
        overlap.id,
        "the overlapping release ended",
        (r) => r.state !== "Ready" && r.state !== "Running",
        20_000,
      )
    ).release;
    expect(overlapped.state).toBe("Successful");
    expect(stage(overlapped, "only")).toMatchObject({
      members: [],
      counts: { total: 0, skipped: 2 },
    });
    for (const skipped of stage(overlapped, "only").skipped)
      expect(skipped.reason).toMatch(new RegExp(`release task ${id}\\b`));
    expect(rowOf(await fleet.statusRows(), "1001/01")).toMatchObject({
      preferredVersion: "1.1.0",
      activeVersion: "1.1.0",
    });

    await fleet.operate("paul", "reject", id, "pilot store reports slow receipts");
    const rejected = await fleet.show(id);
    expect(rejected.state).toBe("Rejected");
    expect(rejected.stages.map((s) => [s.name, s.state])).toEqual([
      ["pilot", "Successful"],
      ["wave 1", "Cancelled"],
      ["rest", "Cancelled"],
    ]);
    expect(rejected.decisions).toEqual([
      expect.objectContaining({
        who: "paul",
        verdict: "rejected",
        comment: "pilot store reports slow receipts",
      }),
    ]);
    // Operations on an ended release are refused naming its state.
    const late = await fleet.cli("paul", "release", "approve", id, "--comment", "too late");
    expect(late.code).not.toBe(0);
    expect(late.stderr).toMatch(/the release task is Rejected/);

    // The other stores: untouched. Same version, nothing preferred, no request, no install.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await fleet.statusRows();
    const desiredAfter = await fleet.desiredOnDisk();
    for (const till of FLEET.filter((t) => !t.startsWith("1001/"))) {
      expect(rowOf(after, till)).toMatchObject({
        status: "OK",
        activeVersion: "1.0.0",
        preferredVersion: null,
      });
      expect(desiredAfter[till]).toEqual(desiredBefore[till]);
      expect((await installsOf(fleet.agent(till))).map((i) => i.version)).toEqual(["1.0.0"]);
    }
    for (const till of ["1001/01", "1001/02"]) {
      const installs = await installsOf(fleet.agent(till));
      expect(installs.filter((i) => i.version === "1.1.0")).toHaveLength(1);
    }

    const sampled = await sampler.stop();
    console.log(
      `release-flow reject: pilot done after ${pilotSeconds}; ${sampled.samples} samples; max In Progress per store ${JSON.stringify(sampled.maxInProgress)}; max not OK per store ${JSON.stringify(sampled.maxNotOk)}`,
    );
    expect(sampled.samples).toBeGreaterThan(10);
    for (const store of ["1001", "1002", "1003"]) {
      expect(sampled.maxInProgress[store] ?? 0, `store ${store} In Progress`).toBeLessThanOrEqual(
        1,
      );
      expect(sampled.maxNotOk[store] ?? 0, `store ${store} not OK`).toBeLessThanOrEqual(1);
    }
    // The sampler did see the pilot's tills at work.
    expect(sampled.maxNotOk["1001"]).toBe(1);
  });

  it("a second release: a logged-in cashier holds a pilot till Not Ready past the stage timeout without failing it; approved and triggered, it ends Successful with every till OK", async () => {
    const began = Date.now();
    const sampler = new StoreSampler(() => fleet.statusRows());
    const pos = await fleet.pos("1001/01");
    let id = "";
    try {
      await pos.setSession(["alice"]);
      const created = await fleet.createRelease("rita", releaseDocument("1.2.0", "10s"));
      id = created.id;
      await fleet.operate("rita", "start", id);

      const held = await fleet.untilRelease(
        id,
        "the pilot's first till Not Ready",
        (r) => stage(r, "pilot").counts["Not Ready"] === 1,
      );
      const heldAt = Date.now();
      const pilot = stage(held.release, "pilot");
      expect(pilot.state).toBe("Running");
      expect(pilot.notReady).toEqual([
        { key: "1001/01/pos-client", reason: expect.stringMatching(/alice logged in/) },
      ]);
      // maxPerStore 1: the store's second till waits for its first.
      expect(pilot.counts).toMatchObject({ "Not Ready": 1, queued: 1, total: 2, "timed out": 0 });
      expect(rowOf(held.rows, "1001/02")).toMatchObject({ status: "OK", activeVersion: "1.1.0" });

      // Longer than the stage timeout (10 s): Not Ready is an answer, never a timeout or an error.
      while (Date.now() - heldAt < 12_000) {
        const now = stage(await fleet.show(id), "pilot");
        expect(now.state, JSON.stringify(now)).toBe("Running");
        expect(now.counts).toMatchObject({ "Not Ready": 1, "timed out": 0, Failed: 0 });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await pos.setSession([]);
    } finally {
      await pos.close();
    }

    const waiting = await fleet.untilRelease(
      id,
      "the pilot Successful once the cashier logged out, wave 1 waiting for approval",
      (r) =>
        stage(r, "pilot").state === "Successful" &&
        stage(r, "wave 1").state === "Waiting for approval",
    );
    expect(stage(waiting.release, "pilot").counts).toMatchObject({ OK: 2, total: 2 });
    await fleet.operate("paul", "approve", id, "pilot fine");
    const triggerable = await fleet.untilRelease(
      id,
      "wave 1 Successful, rest waiting for its trigger",
      (r) =>
        stage(r, "wave 1").state === "Successful" &&
        stage(r, "rest").state === "Waiting for trigger",
    );
    // Whole stores: wave 1 (34 % of the 4 remaining rows) took one store, both its tills.
    const waveStores = new Set(
      stage(triggerable.release, "wave 1").members.map((k) => k.slice(0, 4)),
    );
    expect(waveStores.size).toBe(1);
    expect(stage(triggerable.release, "wave 1").counts).toMatchObject({ OK: 2, total: 2 });
    await fleet.operate("rita", "trigger", id);
    const done = await fleet.untilRelease(
      id,
      "the release Successful",
      (r) => r.state === "Successful",
    );

    const rest = stage(done.release, "rest");
    expect(rest.counts).toMatchObject({ OK: 2, total: 2 });
    expect(new Set([...waveStores, ...rest.members.map((k) => k.slice(0, 4))])).toEqual(
      new Set(["1002", "1003"]),
    );
    expect(done.release.decisions?.map((d) => [d.who, d.verdict])).toEqual([
      ["paul", "approved"],
      ["rita", "triggered"],
    ]);
    const desired = await fleet.desiredOnDisk();
    for (const till of FLEET) {
      expect(rowOf(done.rows, till)).toMatchObject({
        status: "OK",
        activeVersion: "1.2.0",
        preferredVersion: "1.2.0",
      });
      // Exactly one install of 1.2.0 per till, under the request the coordinator keeps for it.
      const installs = (await installsOf(fleet.agent(till))).filter((i) => i.version === "1.2.0");
      expect(installs, till).toHaveLength(1);
      expect(installs[0]?.requestId).toBe(desired[till]?.requestId);
    }

    const listed = await fleet.cli("admin", "release", "list", "--json");
    expect(listed.code, listed.stderr).toBe(0);
    const list = JSON.parse(listed.stdout) as { id: string; state: string }[];
    expect(list.map((r) => r.state)).toEqual(["Successful", "Successful", "Rejected"]);
    expect(list[0]?.id).toBe(id);

    const sampled = await sampler.stop();
    console.log(
      `release-flow success: ${seconds(began)} from create to Successful; ${sampled.samples} samples; max In Progress per store ${JSON.stringify(sampled.maxInProgress)}; max not OK per store ${JSON.stringify(sampled.maxNotOk)}`,
    );
    for (const store of ["1001", "1002", "1003"]) {
      expect(sampled.maxInProgress[store] ?? 0, `store ${store} In Progress`).toBeLessThanOrEqual(
        1,
      );
      expect(sampled.maxNotOk[store] ?? 0, `store ${store} not OK`).toBeLessThanOrEqual(1);
      expect(sampled.maxNotOk[store], `store ${store} seen at work`).toBe(1);
    }
  });
});
