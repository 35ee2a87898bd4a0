import { infoMetric, ratioMetric, type Scenario } from "../scenario.js";
import { INSTALL_MS, timedSetPreferred } from "./fleet-rollout.js";
import { startWorld, workstationIds } from "./fleet-world.js";
import { startFloorFleet } from "./floor-fleet.js";

/**
 * rollout: N simulated workstations, one service each; set-preferred for all
 * through the console API until every status is OK in the coordinator.
 * Floor: the same broker code, a bare client publishing N desired documents
 * and waiting for N OK statuses.
 */
export const rollout: Scenario = async (ctx) => {
  const n = ctx.quick ? 1000 : 10_000;
  const ids = workstationIds(n);

  const floor = await startFloorFleet(ids, INSTALL_MS);
  let floorMs: number;
  try {
    const t0 = performance.now();
    await floor.publishDesired("1.1.0", "http://127.0.0.1:9/unused.tgz");
    await floor.sim.waitFor(
      () =>
        [...floor.statuses.values()].filter((s) => s.status === "OK" && s.active === "1.1.0")
          .length === n,
      300_000,
    );
    floorMs = performance.now() - t0;
    ctx.log(
      `floor: ${n} desired documents out, ${n} OK statuses in after ${floorMs.toFixed(0)} ms`,
    );
  } finally {
    await floor.close();
  }

  const world = await startWorld({
    workDir: ctx.workDir,
    workstations: n,
    rows: n * 10,
    log: ctx.log,
    installMs: INSTALL_MS,
  });
  try {
    await world.publishPack("1.1.0");
    const ready = await world.metrics();
    ctx.log(
      `coordinator has applied ${ready.tillroll_status_reports_total} status reports before the rollout`,
    );
    // Polled every 250 ms, as this scenario always has (its recorded figures stay comparable).
    const timed = await timedSetPreferred(world, "1.1.0", n, { pollMs: 250 });
    const rolloutMs = timed.ms;
    ctx.log(
      `coordinator: set-preferred changed ${timed.changed} rows; all ${n} OK after ${rolloutMs.toFixed(0)} ms`,
    );
    return [
      ratioMetric(`rollout to ${n} workstations`, rolloutMs, floorMs, "ms", 2.0),
      infoMetric("set-preferred answered", timed.acceptedMs, "ms"),
      infoMetric("workstations", n, "count"),
    ];
  } finally {
    await world.close();
  }
};
