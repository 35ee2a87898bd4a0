import { infoMetric, ratioMetric, type Scenario } from "../scenario.js";
import { fleetThatFits, ownOpenFilesLimit, simProcessesFor } from "./fleet-scale.js";
import { LARGE_FLEET, QUICK_FLEET } from "./rollout.js";
import { runRollout } from "./rollout-run.js";

/**
 * rollout-mosquitto: the large rollout of `rollout` with an external
 * Mosquitto (test/e2e/mosquitto.ts: loopback, anonymous, max_queued_messages
 * 0, max_inflight_messages 0) instead of the embedded broker: the
 * coordinator started with `--broker`, the simulated fleet connecting to
 * Mosquitto. Floor: a fresh Mosquitto with the same settings, the same
 * simulated fleet and a bare client publishing pre-signed desired documents
 * and waiting for the OK statuses.
 */
export const rolloutMosquitto: Scenario = async (ctx) => {
  const wanted = ctx.quick ? QUICK_FLEET : LARGE_FLEET;
  const n = fleetThatFits(wanted, await ownOpenFilesLimit());
  if (n < wanted)
    ctx.log(
      `${n} workstations, not ${wanted}: the open-files limit holds no more sockets in one broker process`,
    );
  const processes = simProcessesFor(n, 2);
  ctx.log(`${n} workstations in ${processes} simulator processes`);
  const run = await runRollout({
    workDir: ctx.workDir,
    log: ctx.log,
    workstations: n,
    simProcesses: processes,
    broker: "mosquitto",
    functionsPerWorkstation: 2,
    seedEnrolment: true,
  });
  return [
    ratioMetric(`rollout to ${n} workstations, Mosquitto`, run.rolloutMs, run.floorMs, "ms", 2.0),
    infoMetric(`set-preferred answered (${n} rows, Mosquitto)`, run.acceptedMs, "ms"),
    infoMetric("simulator processes", processes, "count"),
  ];
};
