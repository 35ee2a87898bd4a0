import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { startMosquitto } from "../../e2e/mosquitto.js";
import { INSTALL_MS, timedSetPreferred } from "./fleet-rollout.js";
import { startWorld, workstationIds } from "./fleet-world.js";
import { startFloorFleet } from "./floor-fleet.js";

/**
 * One rollout measured against its floor in the same run: first the floor
 * (the broker alone, a bare client publishing N pre-signed desired documents
 * and waiting for N OK statuses), then a real coordinator process on a
 * fresh broker of the same kind, `POST /api/set-preferred` for all N until
 * the coordinator shows every row OK. Both drive the same simulated fleet
 * (same ids, seed, install times, simulator processes).
 */
export interface RolloutRunOptions {
  workDir: string;
  log: (line: string) => void;
  workstations: number;
  /** Simulator processes (fleet-procs.ts); 1: in the bench process. */
  simProcesses: number;
  /** embedded: the coordinator's own broker; mosquitto: a fresh Mosquitto on loopback for each side. */
  broker: "embedded" | "mosquitto";
  /** Rows per workstation seeded in the coordinator's store (10: every function). */
  functionsPerWorkstation: number;
  /** Seed the enrolments in the data folder rather than enrolling over HTTP. */
  seedEnrolment: boolean;
}

export interface RolloutRun {
  floorMs: number;
  rolloutMs: number;
  /** How long set-preferred took to answer, the fleet already reacting. */
  acceptedMs: number;
  /** Until the answer's head arrived. */
  headersMs: number;
  changed: number;
}

async function withBroker<T>(
  options: RolloutRunOptions,
  name: string,
  work: (externalBroker: string | undefined) => Promise<T>,
): Promise<T> {
  if (options.broker === "embedded") return work(undefined);
  const dir = join(options.workDir, name);
  await mkdir(dir, { recursive: true });
  const mosquitto = await startMosquitto(dir);
  try {
    return await work(mosquitto.url);
  } finally {
    await mosquitto.stop();
  }
}

export async function runRollout(options: RolloutRunOptions): Promise<RolloutRun> {
  const n = options.workstations;
  const ids = workstationIds(n);
  const { log } = options;
  const floorMs = await withBroker(options, "floor-broker", async (externalBroker) => {
    const floor = await startFloorFleet(ids, INSTALL_MS, {
      simProcesses: options.simProcesses,
      ...(externalBroker === undefined ? {} : { externalBroker }),
    });
    try {
      const t0 = performance.now();
      await floor.publishDesired("1.1.0", "http://127.0.0.1:9/unused.tgz");
      await floor.sim.waitFor(() => floor.okOn("1.1.0") === n, 600_000);
      const ms = performance.now() - t0;
      log(
        `floor (${options.broker}): ${n} desired documents out, ${n} OK statuses in after ${ms.toFixed(0)} ms`,
      );
      return ms;
    } finally {
      await floor.close();
    }
  });

  return withBroker(options, "world-broker", async (externalBroker) => {
    const world = await startWorld({
      workDir: join(options.workDir, `world-${options.broker}-${n}`),
      workstations: n,
      rows: n * options.functionsPerWorkstation,
      functionsPerWorkstation: options.functionsPerWorkstation,
      seedEnrolment: options.seedEnrolment,
      simProcesses: options.simProcesses,
      log,
      installMs: INSTALL_MS,
      ...(externalBroker === undefined ? {} : { externalBroker }),
    });
    try {
      await world.publishPack("1.1.0");
      const ready = await world.metrics();
      log(
        `coordinator has applied ${ready.tillroll_status_reports_total} status reports before the rollout`,
      );
      // Polled every 250 ms, as this scenario always has (its recorded figures stay comparable).
      const timed = await timedSetPreferred(world, "1.1.0", n, { pollMs: 250 });
      log(
        `coordinator (${options.broker}): set-preferred answered in ${timed.acceptedMs.toFixed(0)} ms (head after ${timed.headersMs.toFixed(0)} ms, body ${(timed.answerBytes / 1e6).toFixed(1)} MB), changed ${timed.changed} rows; all ${n} OK after ${timed.ms.toFixed(0)} ms`,
      );
      return {
        floorMs,
        rolloutMs: timed.ms,
        acceptedMs: timed.acceptedMs,
        headersMs: timed.headersMs,
        changed: timed.changed,
      };
    } finally {
      await world.close();
    }
  });
}
