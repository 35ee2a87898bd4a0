import { infoMetric, type Metric, ratioMetric, type Scenario } from "../scenario.js";
import {
  INSTALL_MS,
  timedSetPreferred,
  type WaitAllOkOptions,
  waitAllOk,
} from "./fleet-rollout.js";
import { type FleetWorld, startWorld, workstationIds } from "./fleet-world.js";

/**
 * release (issue 10, acceptance 4): N simulated workstations, one pos-client
 * each, the world of `rollout` (same INSTALL_MS). In one coordinator and one
 * fleet, one after another:
 *  1. set-preferred 1.0.0 -> 1.1.0 for the whole fleet, until the
 *     coordinator shows all N OK: the floor;
 *  2. a release task 1.1.0 -> 1.2.0 in stages 1 % / 10 % / rest (no
 *     checkpoints, no soak, no maxPerStore), from `POST /api/releases/start`
 *     until the release is Successful and all N rows are OK on 1.2.0;
 *  3. set-preferred 1.2.0 -> 1.3.0 again: the order check.
 *
 * Why one world and not two fresh ones: enrolling 10,000 tills takes about a
 * minute, and two coordinators would differ in more than the release (heap,
 * journal, the seeded store). One world has an order bias instead: whatever
 * runs second has a warm JIT and a settled heap. So the release runs second
 * and a third rollout (set-preferred again) runs after it; the release's
 * ratio against that one is reported too. If the two set-preferred times
 * differ much, the ratio against the first flatters the release by that much.
 *
 * All three are waited for the same way (fleet-rollout.ts waitAllOk): first
 * on the simulator in this process (free), then the coordinator is polled
 * every 100 ms, for the rows not yet OK (few) and only then for the full
 * count and the release's state, so the poll does not load the coordinator
 * while the fleet updates, and the time resolution is the same for all three.
 */

const STAGES = [
  { name: "1%", percent: 1 },
  { name: "10%", percent: 10 },
  { name: "rest" },
] as const;
const POLL_MS = 100;
const TIMEOUT_MS = 300_000;

/** The part of `GET /api/releases/show` this scenario reads. */
interface ReleaseShown {
  id: string;
  state: string;
  stages: {
    name: string;
    state: string;
    startedAt: string | null;
    endedAt: string | null;
    reason: string | null;
    counts: Record<string, number>;
  }[];
}

const ENDED_UNSUCCESSFULLY = ["Paused", "Failed", "Rejected", "Cancelled", "Rolled Back"];

function show(world: FleetWorld, id: string): Promise<ReleaseShown> {
  return world.api<ReleaseShown>("GET", `/api/releases/show?id=${encodeURIComponent(id)}`);
}

/** True once Successful; throws once the release can no longer get there by itself. */
async function releaseDone(world: FleetWorld, id: string): Promise<boolean> {
  const view = await show(world, id);
  if (ENDED_UNSUCCESSFULLY.includes(view.state))
    throw new Error(`release ${id} is ${describe(view)}`);
  return view.state === "Successful";
}

/** `Failed: 1% Successful; 10% Failed (only 4 of 6 rows OK; 100% needed); rest Pending`. */
function describe(view: ReleaseShown): string {
  const stages = view.stages.map((s) => `${s.name} ${s.state}${s.reason ? ` (${s.reason})` : ""}`);
  return `${view.state}: ${stages.join("; ")}`;
}

function counted(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(", ");
}

export const release: Scenario = async (ctx) => {
  const n = ctx.quick ? 1000 : 10_000;
  const ids = workstationIds(n);
  const wait: Pick<WaitAllOkOptions, "pollMs" | "simulated"> = { pollMs: POLL_MS, simulated: ids };
  const world = await startWorld({
    workDir: ctx.workDir,
    workstations: n,
    rows: n * 10,
    log: ctx.log,
    installMs: INSTALL_MS,
  });
  try {
    for (const version of ["1.1.0", "1.2.0", "1.3.0"]) await world.publishPack(version);

    const first = await timedSetPreferred(world, "1.1.0", n, wait);
    ctx.log(
      `set-preferred 1.1.0: changed ${first.changed} rows; all ${n} OK after ${first.ms.toFixed(0)} ms (answered after ${first.acceptedMs.toFixed(0)} ms, the simulated tills all OK after ${first.simulatorMs?.toFixed(0)} ms)`,
    );

    const created = await world.api<ReleaseShown>("POST", "/api/releases", {
      name: `bench ${n}`,
      function: "pos-client",
      version: "1.2.0",
      target: {},
      stages: STAGES,
      errorThreshold: "100%",
      stageTimeout: "10m",
    });
    const wallStart = Date.now();
    const t0 = performance.now();
    await world.api("POST", "/api/releases/start", { id: created.id });
    const startAnsweredMs = performance.now() - t0;
    const { simulatorMs } = await waitAllOk(world, {
      ...wait,
      version: "1.2.0",
      count: n,
      since: t0,
      timeoutMs: TIMEOUT_MS,
      label: `release ${created.id}`,
      alsoDone: () => releaseDone(world, created.id),
    }).catch(async (error: Error) => {
      // Name the release's state: a failed stage is the likelier story than a slow fleet.
      const view = await show(world, created.id).catch(() => null);
      throw new Error(
        `${error.message}; the release is ${view === null ? "unknown" : describe(view)}`,
      );
    });
    const releaseMs = performance.now() - t0;
    const view = await show(world, created.id);
    ctx.log(
      `release ${created.id}: ${view.state}, all ${n} OK on 1.2.0 after ${releaseMs.toFixed(0)} ms (the simulated tills all OK after ${simulatorMs?.toFixed(0)} ms)`,
    );

    const stageMetrics: Metric[] = view.stages.map((stage) => {
      ctx.log(
        `  stage ${stage.name}: ${stage.state}, ${stage.startedAt} .. ${stage.endedAt}; ${counted(stage.counts)}`,
      );
      const ms =
        stage.startedAt === null || stage.endedAt === null
          ? Number.NaN
          : Date.parse(stage.endedAt) - Date.parse(stage.startedAt);
      return infoMetric(`stage ${stage.name} (${stage.counts.total ?? 0} rows)`, ms, "ms");
    });
    const firstEnd = view.stages[0]?.endedAt ?? null;
    const firstStageEndMs = firstEnd === null ? Number.NaN : Date.parse(firstEnd) - wallStart;

    const again = await timedSetPreferred(world, "1.3.0", n, wait);
    ctx.log(
      `set-preferred 1.3.0 (order check): all ${n} OK after ${again.ms.toFixed(0)} ms (the simulated tills all OK after ${again.simulatorMs?.toFixed(0)} ms)`,
    );

    return [
      ratioMetric(`release to ${n} workstations`, releaseMs, first.ms, "ms", 1.3),
      infoMetric("set-preferred rollout, the floor", first.ms, "ms"),
      infoMetric("release start answered", startAnsweredMs, "ms"),
      infoMetric("first stage ended (from start)", firstStageEndMs, "ms"),
      ...stageMetrics,
      infoMetric("set-preferred again, after the release", again.ms, "ms"),
      infoMetric("release against the set-preferred after it", releaseMs, "ms", again.ms),
      infoMetric("workstations", n, "count"),
    ];
  } finally {
    await world.close();
  }
};
