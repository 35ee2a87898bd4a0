import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowOf } from "./release-probes.js";
import { WindowFleet } from "./window-fleet.js";

/**
 * Issue 11, acceptance 2 (windows): a release in `window` mode over stores in
 * two time zones installs each store only inside its own maintenance window,
 * and a till cut from the broker before its window opens still installs in
 * the window and reports afterwards. One clock (TestClock) for the
 * coordinator and the in-process agents; the test moves it to the minutes
 * that matter. 2037-12-01 is a Tuesday in winter: Berlin is UTC+1, London UTC+0,
 * so 02:00 Berlin is 01:00Z and 02:00 London is 02:00Z. It was 2026-12-01, which
 * failed from that night on: the clock may only move forward from real time.
 */

const BERLIN_OPENS = "2037-12-01T01:00:00.000Z";
const LONDON_OPENS = "2037-12-01T02:00:00.000Z";
const WAIT_BERLIN = "waiting for the maintenance window (opens 02:00 Europe/Berlin)";
const WAIT_LONDON = "waiting for the maintenance window (opens 02:00 Europe/London)";

describe("schedules end to end: window mode in each store's own time", { timeout: 120_000 }, () => {
  let fleet: WindowFleet;
  beforeAll(async () => {
    fleet = await WindowFleet.create("schedule-window", {
      at: "2037-12-01T00:50:00Z",
      packs: [
        { name: "pos-client", version: "1.0.0" },
        { name: "pos-client", version: "1.1.0" },
      ],
      // 1001 and 1003 in Berlin; 1002 inherits the group's window but keeps London's clock.
      tills: { "1001/01": "EU/DE", "1002/01": "EU/UK", "1003/01": "EU/DE" },
      installed: "1.0.0",
    });
    await fleet.must(
      "window",
      "set",
      "--group",
      "EU",
      "--tz",
      "Europe/Berlin",
      "--days",
      "mon-sun",
      "--start",
      "02:00",
      "--duration",
      "3h",
    );
    await fleet.must("store", "set", "1002", "--tz", "Europe/London");
  }, 90_000);
  afterAll(async () => {
    await fleet?.close();
  });

  it("A: at 01:59 Berlin nothing installs and both stores say which window they wait for; Berlin's window installs only Berlin, London's then London", async () => {
    fleet.clock.jumpTo("2037-12-01T00:59:00Z"); // 01:59 Berlin, 00:59 London
    const release = await fleet.createRelease({
      name: "spring in the windows",
      function: "pos-client",
      version: "1.1.0",
      target: { store: ["1001", "1002"] },
      stages: [{ name: "all" }],
      stageTimeout: "1h",
      schedule: { mode: "window" },
    });
    const waiting = await fleet.untilRows(
      "both stores Prepared, waiting for their windows",
      (rs) =>
        rowOf(rs, "1001/01").reason === WAIT_BERLIN && rowOf(rs, "1002/01").reason === WAIT_LONDON,
    );
    for (const till of ["1001/01", "1002/01"])
      expect(rowOf(waiting, till)).toMatchObject({ status: "Prepared", activeVersion: "1.0.0" });
    // The overview marks both rows with the task and the opening of each store's window.
    expect(rowOf(waiting, "1001/01")).toMatchObject({
      scheduled: { release: release.id, at: BERLIN_OPENS },
    });
    expect(rowOf(waiting, "1002/01")).toMatchObject({
      scheduled: { release: release.id, at: LONDON_OPENS },
    });
    // Several rechecks later, still nothing installed anywhere (the tills' own journals).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const till of ["1001/01", "1002/01"])
      expect(await fleet.local(till)).toMatchObject({ status: "Prepared", activeVersion: "1.0.0" });

    fleet.clock.jumpTo("2037-12-01T01:00:05Z"); // 02:00:05 Berlin, 01:00:05 London
    const jumped = Date.now();
    const berlin = await fleet.untilRows("Berlin OK on 1.1.0", (rs) => {
      const row = rowOf(rs, "1001/01");
      return row.status === "OK" && row.activeVersion === "1.1.0";
    });
    const berlinMs = Date.now() - jumped;
    expect(rowOf(berlin, "1002/01")).toMatchObject({
      status: "Prepared",
      activeVersion: "1.0.0",
      reason: WAIT_LONDON,
    });
    const berlinLocal = await fleet.local("1001/01");
    expect(Date.parse(berlinLocal?.updatedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(BERLIN_OPENS),
    );
    // London stays untouched for a while in Berlin's window.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await fleet.local("1002/01")).toMatchObject({
      status: "Prepared",
      activeVersion: "1.0.0",
    });

    fleet.clock.jumpTo("2037-12-01T02:00:05Z"); // 03:00:05 Berlin, 02:00:05 London
    const jumped2 = Date.now();
    await fleet.untilRows("London OK on 1.1.0", (rs) => {
      const row = rowOf(rs, "1002/01");
      return row.status === "OK" && row.activeVersion === "1.1.0";
    });
    const londonMs = Date.now() - jumped2;
    const londonLocal = await fleet.local("1002/01");
    expect(Date.parse(londonLocal?.updatedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(LONDON_OPENS),
    );
    const done = await fleet.untilState(release.id, "Successful");
    expect(done.stages[0]?.counts).toMatchObject({ OK: 2 });
    // 1003 was not a target: still on 1.0.0.
    expect(rowOf(await fleet.rows(), "1003/01").activeVersion).toBe("1.0.0");
    console.log(
      `window mode: Berlin OK ${berlinMs} ms after its window opened (London still waiting), London OK ${londonMs} ms after its own`,
    );
  });

  it("B: a till cut from the broker before its window opens installs inside the window alone, then reports when the link is back", async () => {
    fleet.clock.jumpTo("2037-12-02T00:58:00Z"); // 01:58 Berlin, the next night
    const release = await fleet.createRelease({
      name: "1003 while offline",
      function: "pos-client",
      version: "1.1.0",
      target: { store: ["1003"] },
      stages: [{ name: "all" }],
      stageTimeout: "1h",
      schedule: { mode: "window" },
    });
    await fleet.untilRows(
      "1003 Prepared, waiting for Berlin's window",
      (rs) => rowOf(rs, "1003/01").reason === WAIT_BERLIN,
    );
    const till = fleet.till("1003/01");
    await till.link.cut();
    await fleet.untilRows("1003 offline", (rs) => !rowOf(rs, "1003/01").online);

    fleet.clock.jumpTo("2037-12-02T01:00:05Z"); // 02:00:05 Berlin
    const jumped = Date.now();
    const installed = await fleet.poll("1003 OK on 1.1.0 in its own journal", async () => {
      const local = await fleet.local("1003/01");
      return local?.status === "OK" && local.activeVersion === "1.1.0" ? local : undefined;
    });
    const aloneMs = Date.now() - jumped;
    expect(Date.parse(installed.updatedAt)).toBeGreaterThanOrEqual(
      Date.parse("2037-12-02T01:00:00Z"),
    );
    // The coordinator has heard nothing of it yet.
    const meanwhile = rowOf(await fleet.rows(), "1003/01");
    expect(meanwhile).toMatchObject({ online: false, activeVersion: "1.0.0" });

    await new Promise((resolve) => setTimeout(resolve, 1000));
    await till.link.restore();
    const restored = Date.now();
    await fleet.untilRows("1003 reported OK on 1.1.0 after the link came back", (rs) => {
      const row = rowOf(rs, "1003/01");
      return row.online && row.status === "OK" && row.activeVersion === "1.1.0";
    });
    const reportMs = Date.now() - restored;
    const done = await fleet.untilState(release.id, "Successful");
    expect(done.stages[0]?.counts).toMatchObject({ OK: 1 });
    console.log(
      `cut till: installed alone ${aloneMs} ms after its window opened; reported ${reportMs} ms after the link came back`,
    );
  });
});
