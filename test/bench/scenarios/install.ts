import { randomBytes } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import { agentKit } from "../../e2e/agent-kit.js";
import { buildPack, readMarker } from "../../support/packs.js";
import { pollUntil } from "../../support/wait.js";
import { infoMetric, type Metric, maxMetric, ratioMetric, type Scenario } from "../scenario.js";
import { type FloorTimes, runProcess, shellFloor } from "./install-floor.js";
import { type InstallPhases, installPhases } from "./install-log.js";

/**
 * install: the real agent updating pos-client to a pack carrying 100 MiB of
 * random bytes (10 MiB with --quick; random so gzip cannot flatter it),
 * served over loopback HTTP by the e2e file server: download, verify,
 * extract, stop, switch, start, health check, commit.
 *
 * - install time: from publishing the desired document to the watcher seeing
 *   status OK with the new version active, against the shell floor (curl, sha256sum,
 *   tar -xzf, mv of the same .tgz from the same server, same run).
 * - downtime: taken from the agent's own log (its ISO-timestamped
 *   `step A -> B` lines on stdout, kit.agent.output), not from the install
 *   log topic: that topic carries only hook output, and this pack has no
 *   hooks. It runs from the end of pre-hook (the stop step begins) to the end
 *   of verify (health check passed); see install-log.ts.
 *
 * The agent runs with no readiness probes; the pack's start is the default
 * instant `exec sleep 100000` and its health check `exit 0` every 0.1 s.
 *
 * One update is one sample on a machine that may be busy, so the scenario
 * makes three (1.0.0 -> 1.1.0 -> 1.2.0 -> 1.3.0, each pack its own random
 * payload) interleaved with four floor runs, and compares the medians (of the
 * floors' even count the lower one, which is the stricter);
 * downtime is the worst of the three. From the third update on, commit also
 * prunes a big release (keeping current and previous), as on a real till.
 * Before every measured run `sync` flushes the previous run's dirty pages, so
 * no run pays for another's writeback.
 */

const MIB = 1024 * 1024;
const FN = "pos-client";
const UPDATES = ["1.1.0", "1.2.0", "1.3.0"] as const;

/** Writes `bytes` random bytes to `path`, 1 MiB at a time. */
async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, "w");
  try {
    for (let written = 0; written < bytes; ) {
      const chunk = randomBytes(Math.min(MIB, bytes - written));
      await handle.write(chunk);
      written += chunk.length;
    }
  } finally {
    await handle.close();
  }
}

/** Flushes dirty pages so one run's writeback does not land in the next. */
async function settleDisk(): Promise<void> {
  await runProcess("sync", [], 120_000);
}

/** The middle element by `key`; of an even count the lower one (for floors: the stricter). */
function median<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) throw new Error("median of nothing");
  return middle;
}

interface BigPack {
  version: string;
  url: string;
  sha256: string;
  size: number;
}

interface AgentRun {
  version: string;
  installMs: number;
  phases: InstallPhases;
}

export const install: Scenario = async (ctx) => {
  const payloadBytes = (ctx.quick ? 10 : 100) * MIB;
  // Generous bounds for a slow disk; a wedged install fails the scenario rather than hanging it.
  const installTimeoutMs = ctx.quick ? 60_000 : 300_000;
  const health = { healthIntervalSeconds: 0.1 } as const;
  const kit = await agentKit("bench-install");
  try {
    await kit.pack({ name: FN, version: "1.0.0", ...health });

    // The big packs are built by hand so the random payload can be written
    // into the pack folder before buildPack packs it (extraFiles takes strings).
    const packDir = join(kit.dir.path, "bench-packs");
    const packs: BigPack[] = [];
    for (const version of UPDATES) {
      const payloadDir = join(packDir, `${FN}-${version}`, "data");
      await mkdir(payloadDir, { recursive: true });
      await writeRandomFile(join(payloadDir, "random.bin"), payloadBytes);
      const built = await buildPack(packDir, {
        name: FN,
        version,
        updatableFrom: `>=1.0.0 <${version}`,
        ...health,
      });
      const url = kit.files.serve(`${FN}-${version}.tgz`, built.path);
      packs.push({ version, url, sha256: built.sha256, size: built.size });
      ctx.log(
        `pack ${FN}-${version}.tgz: ${(built.size / MIB).toFixed(1)} MiB (${payloadBytes / MIB} MiB random payload)`,
      );
    }

    await kit.agent.start();
    await kit.want("1.0.0");
    await kit.waitService(FN, (s) => s.status === "OK" && s.activeVersion === "1.0.0", 30_000);

    const floors: FloorTimes[] = [];
    const floorOnce = async () => {
      const pack = packs[floors.length % packs.length] as BigPack;
      await settleDisk();
      const floor = await shellFloor(
        pack.url,
        pack.sha256,
        join(ctx.workDir, `install-floor-${floors.length}`),
      );
      floors.push(floor);
      ctx.log(
        `floor ${floors.length}: ${floor.totalMs.toFixed(0)} ms (${floor.downloader} ${floor.downloadMs.toFixed(0)}, sha256sum ${floor.verifyMs.toFixed(0)}, tar ${floor.extractMs.toFixed(0)}, mv ${floor.moveMs.toFixed(0)})`,
      );
    };

    const runs: AgentRun[] = [];
    const updateOnce = async (pack: BigPack) => {
      await settleDisk();
      const logFrom = kit.agent.output.length;
      const wantAt = Date.now();
      const t0 = performance.now();
      await kit.want(pack.version, {
        pack: { artifact: { url: pack.url, sha256: pack.sha256, size: pack.size } },
      });
      await kit.waitService(
        FN,
        (s) => s.status === "OK" && s.activeVersion === pack.version,
        installTimeoutMs,
      );
      const installMs = performance.now() - t0;
      const marker = await readMarker(kit.agent.markers, FN);
      if (marker?.version !== pack.version)
        throw new Error(
          `after the update to ${pack.version} the service is ${JSON.stringify(marker)}`,
        );
      // The agent logs `verify -> commit` before it reports OK, but its
      // stdout travels through a pipe: wait (bounded) until the line is in.
      await pollUntil(
        () =>
          kit.agent.output.slice(logFrom).some((line) => line.includes("step verify -> commit")),
        5_000,
        'agent log line "step verify -> commit"',
      );
      const phases = installPhases(kit.agent.output.slice(logFrom), FN, wantAt, wantAt + installMs);
      runs.push({ version: pack.version, installMs, phases });
      ctx.log(
        `agent -> ${pack.version}: ${installMs.toFixed(0)} ms (${Object.entries(phases)
          .map(([k, v]) => `${k.replace(/Ms$/, "")} ${v.toFixed(0)}`)
          .join(", ")})`,
      );
    };

    await floorOnce();
    for (const pack of packs) {
      await updateOnce(pack);
      await floorOnce();
    }

    const floor = median(floors, (f) => f.totalMs);
    const run = median(runs, (r) => r.installMs);
    const { phases } = run;
    const worstDowntime = Math.max(...runs.map((r) => r.phases.downtimeMs));
    const via = floor.downloader === "curl" ? "curl" : "node http GET (no curl)";
    const metrics: Metric[] = [
      ratioMetric("install time", run.installMs, floor.totalMs, "ms", 1.3),
      maxMetric("downtime", worstDowntime, "ms", 1000),
      infoMetric("pack size", (packs[0] as BigPack).size / MIB, "MiB"),
      infoMetric("install time, fastest of 3", Math.min(...runs.map((r) => r.installMs)), "ms"),
      infoMetric("install time, slowest of 3", Math.max(...runs.map((r) => r.installMs)), "ms"),
      infoMetric(`floor: ${via} download`, floor.downloadMs, "ms"),
      infoMetric("floor: sha256sum", floor.verifyMs, "ms"),
      infoMetric("floor: tar -xzf", floor.extractMs, "ms"),
      infoMetric("floor: mv", floor.moveMs, "ms"),
      // The agent's phases, of the median update, from its log.
      infoMetric("agent: desired accepted", phases.acceptMs, "ms"),
      infoMetric(
        "agent: download + verify",
        phases.downloadMs,
        "ms",
        floor.downloadMs + floor.verifyMs,
      ),
      infoMetric("agent: extract + move", phases.extractMs, "ms", floor.extractMs + floor.moveMs),
      infoMetric("agent: readiness + pre-hook", phases.prepareMs, "ms"),
      infoMetric("agent: stop", phases.stopMs, "ms"),
      infoMetric("agent: switch + start", phases.switchStartMs, "ms"),
      infoMetric("agent: health check", phases.healthMs, "ms"),
      infoMetric("agent: commit + OK status", phases.commitReportMs, "ms"),
    ];
    return metrics;
  } finally {
    await kit.close();
  }
};
