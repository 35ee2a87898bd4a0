import { infoMetric, ratioMetric, type Scenario } from "../scenario.js";
import { startWorld, workstationIds } from "./fleet-world.js";
import { startFloorFleet } from "./floor-fleet.js";

/**
 * reconnect storm: N simulated workstations drop at once (no DISCONNECT, so
 * every last will fires) and reconnect at once; time until the coordinator
 * has applied a fresh status from every one. Floor: a bare subscriber
 * counting the same statuses on the same broker code.
 */
export const reconnect: Scenario = async (ctx) => {
  const n = ctx.quick ? 1000 : 10_000;
  const ids = workstationIds(n);
  const install = { min: 0, max: 0 };

  const floor = await startFloorFleet(ids, install);
  let floorMs: number;
  try {
    await floor.sim.waitFor(() => floor.received() >= n, 120_000);
    const before = floor.received();
    const t0 = performance.now();
    floor.sim.dropAll();
    await floor.sim.reconnectAll();
    await floor.sim.waitFor(() => floor.received() >= before + n, 300_000);
    floorMs = performance.now() - t0;
    ctx.log(`floor: ${n} statuses after the storm in ${floorMs.toFixed(0)} ms`);
  } finally {
    await floor.close();
  }

  const world = await startWorld({
    workDir: ctx.workDir,
    workstations: n,
    rows: n * 10,
    log: ctx.log,
    installMs: install,
  });
  try {
    const applied = async () => (await world.metrics()).tillroll_status_reports_total ?? 0;
    const waitApplied = async (target: number, timeoutMs: number) => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const now = await applied();
        if (now >= target) return now;
        if (performance.now() > deadline)
          throw new Error(`reconnect: ${now}/${target} statuses applied`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const before = await waitApplied(n, 120_000);
    const t0 = performance.now();
    world.sim.dropAll();
    await world.sim.reconnectAll();
    await waitApplied(before + n, 300_000);
    const stormMs = performance.now() - t0;
    const lost = n - (world.sim.stats().connected ?? 0);
    ctx.log(
      `coordinator: ${n} fresh statuses applied ${stormMs.toFixed(0)} ms after the storm; ${lost} not reconnected`,
    );
    return [
      ratioMetric(`reconnect storm of ${n}`, stormMs, floorMs, "ms", 2.0),
      { ...infoMetric("statuses lost", lost, "count"), target: "0", met: lost === 0 },
    ];
  } finally {
    await world.close();
  }
};
