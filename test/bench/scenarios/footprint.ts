import { type ChildProcess, spawn } from "node:child_process";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { buildAgentBundle } from "../../../agent/scripts/bundle.mjs";
import { AgentProcess } from "../../e2e/agent-harness.js";
import { agentKit } from "../../e2e/agent-kit.js";
import { pollUntil } from "../../support/wait.js";
import { infoMetric, type Metric, maxMetric, ratioMetric, type Scenario } from "../scenario.js";
import {
  findPids,
  type ProcessMemory,
  processArgs,
  processCpuTimes,
  processEnvironment,
  processMemory,
} from "./footprint-proc.js";

/**
 * footprint: what the agent costs a till while nothing happens, run as on a
 * till: the single-file bundle (agent/scripts/bundle.mjs) as release
 * `<root>/tillroll-agent/releases/RELEASE`, started by
 * agent/bin/tillroll-agent-launcher with its default node flags (what the
 * .deb's systemd unit runs). One service (pos-client 1.0.0) installed and OK,
 * no readiness probes, connected to the broker; then 60 s (6 s with --quick)
 * of idle, reading the agent's /proc/PID/status (VmRSS, RssAnon, RssFile;
 * every second) and /proc/PID/stat utime+stime at the start and the end.
 *
 * The floor: a bare Node process (`node -e "setInterval(...)"`, nothing
 * imported) started beside the agent and read at the same moment, once as
 * the agent is run (its node flags, read from its command line, and the
 * malloc settings the launcher gives it, TILLROLL_GIVEN_GLIBC_TUNABLES read
 * from its environment) and once with neither.
 *
 * - agent idle RSS: VmRSS at the end of the window, what the idle agent
 *   settles to (start and peak are reported beside it: the first seconds
 *   still carry the install's garbage). Targets: <= 50 MB and <= 1.25 x the
 *   bare Node process with the same flags.
 * - agent idle CPU: the agent's own utime+stime over the window, as % of one
 *   core. Ticks are 10 ms, so with --quick one tick is 0.17 %: coarse.
 */

const MB = 1024 * 1024;
const FN = "pos-client";
const LAUNCHER = fileURLToPath(
  new URL("../../../agent/bin/tillroll-agent-launcher", import.meta.url),
);
/** The agent release the bench seeds, as the .deb's seed-release.mjs would. */
const RELEASE = "0.0.0-bench";
/** A bare Node process that stays alive doing nothing: the floor. */
const IDLE_NODE = "setInterval(() => {}, 60_000)";
/** After the install: let start-up allocation, status reports and the first GCs settle. */
const SETTLE_MS = 2_000;
const SAMPLE_MS = 1_000;

export const footprint: Scenario = async (ctx) => {
  const idleMs = ctx.quick ? 6_000 : 60_000;
  // recheckSeconds as in production (the harness's 0.5 s is for fast tests; it only
  // matters for Not Ready, but the idle agent should be configured like a real one).
  const kit = await agentKit("bench-footprint", { recheckSeconds: 30 });
  const dir = join(kit.dir.path, "till");
  const agentRoot = join(dir, "root", "tillroll-agent");
  // The same store and workstation as kit.agent (never started): the kit's watcher sees it.
  const agent = new AgentProcess({
    dir,
    brokerUrl: kit.broker.url,
    coordinatorKey: kit.coordinator.publicKey,
    recheckSeconds: 30,
    program: ["/bin/sh", LAUNCHER, agentRoot],
    env: { TILLROLL_NODE: process.execPath },
  });
  const bare: ChildProcess[] = [];
  try {
    const bundle = await buildAgentBundle(
      join(agentRoot, "releases", RELEASE, "tillroll-agent.mjs"),
    );
    await symlink(`releases/${RELEASE}`, join(agentRoot, "current"));
    await kit.pack({ name: FN, version: "1.0.0", healthIntervalSeconds: 0.1 });
    await agent.start();
    // The launcher's child: the node process running the bundle with this config.
    const pid = await pollUntil(
      async () => {
        const pids = await findPids([bundle.outFile, agent.configPath]);
        if (pids.length > 1) throw new Error(`several agent processes match: ${pids.join(", ")}`);
        return pids[0];
      },
      10_000,
      `the agent process (${bundle.outFile} --config ${agent.configPath})`,
    );
    const args = await processArgs(pid);
    const flags = args.slice(1, args.indexOf(bundle.outFile));
    // What the launcher gave it: glibc rewrites GLIBC_TUNABLES in /proc/PID/environ as it reads it.
    const environment = await processEnvironment(pid);
    const tunables = environment.TILLROLL_GIVEN_GLIBC_TUNABLES ?? environment.GLIBC_TUNABLES;
    // Started now, so they are as old as the agent when they are read.
    const withFlags = startBareNode(flags, bare, tunables);
    const withoutFlags = startBareNode([], bare, undefined);

    await kit.want("1.0.0");
    await kit.waitService(FN, (s) => s.status === "OK" && s.activeVersion === "1.0.0", 30_000);
    await sleep(SETTLE_MS);

    const seqBefore = kit.watcher.latest()?.seq;
    const cpuStart = await processCpuTimes(pid);
    const t0 = performance.now();
    const rss: number[] = [(await processMemory(pid)).rss];
    while (performance.now() - t0 < idleMs) {
      await sleep(Math.min(SAMPLE_MS, Math.max(0, idleMs - (performance.now() - t0))));
      rss.push((await processMemory(pid)).rss);
    }
    const cpuEnd = await processCpuTimes(pid);
    const end = await processMemory(pid);
    const floor = await processMemory(pidOf(withFlags));
    const plainFloor = await processMemory(pidOf(withoutFlags));
    const wallSeconds = (performance.now() - t0) / 1000;
    if (!agent.running) throw new Error(`the agent exited while idle:\n${agent.log()}`);
    const latest = kit.watcher.latest();
    const service = latest?.services[FN];
    if (service?.status !== "OK" || service.activeVersion !== "1.0.0")
      throw new Error(`after the idle window ${FN} is ${JSON.stringify(service)}`);

    const cpuPercent = ((cpuEnd.self - cpuStart.self) / wallSeconds) * 100;
    const childPercent = ((cpuEnd.children - cpuStart.children) / wallSeconds) * 100;
    const statusReports = (latest?.seq ?? 0) - (seqBefore ?? 0);
    ctx.log(
      `agent pid ${pid} (${args.map((a) => a.replace(kit.dir.path, "…")).join(" ")}): RSS ${mb(rss[0] as number)} -> ${mb(end.rss)} MB (${describe(end)}) over ${wallSeconds.toFixed(1)} s, CPU ${(cpuEnd.self - cpuStart.self).toFixed(2)} s (+${(cpuEnd.children - cpuStart.children).toFixed(2)} s children), ${statusReports} status reports`,
    );
    ctx.log(
      `bare node ${flags.join(" ") || "(no flags)"}${tunables === undefined ? "" : ` (GLIBC_TUNABLES=${tunables})`}: ${mb(floor.rss)} MB (${describe(floor)}); bare node without flags: ${mb(plainFloor.rss)} MB (${describe(plainFloor)})`,
    );
    const metrics: Metric[] = [
      maxMetric("agent idle RSS", end.rss / MB, "MB", 50),
      ratioMetric(
        `agent idle RSS against bare node (${flags.join(" ") || "no flags"}${tunables === undefined ? "" : ", same GLIBC_TUNABLES"})`,
        end.rss / MB,
        floor.rss / MB,
        "MB",
        1.25,
      ),
      maxMetric("agent idle CPU", cpuPercent, "%", 0.5),
      infoMetric(
        "agent idle RSS against bare node without flags",
        end.rss / MB,
        "MB",
        plainFloor.rss / MB,
      ),
      infoMetric(
        "agent anonymous RSS (heap, malloc, stacks)",
        end.anon / MB,
        "MB",
        floor.anon / MB,
      ),
      infoMetric("agent file-backed RSS (node binary pages)", end.file / MB, "MB", floor.file / MB),
      infoMetric("agent RSS at start of idle", (rss[0] as number) / MB, "MB"),
      infoMetric("agent RSS peak while idle", Math.max(...rss) / MB, "MB"),
      infoMetric("agent children's CPU (reaped)", childPercent, "%"),
      infoMetric("idle window", wallSeconds, "s"),
      infoMetric("status reports while idle", statusReports, "count"),
    ];
    return metrics;
  } finally {
    for (const child of bare) child.kill("SIGKILL");
    await agent.close();
    await kit.close();
  }
};

function startBareNode(
  flags: readonly string[],
  started: ChildProcess[],
  tunables: string | undefined,
): ChildProcess {
  const env = { ...process.env };
  if (tunables === undefined) delete env.GLIBC_TUNABLES;
  else env.GLIBC_TUNABLES = tunables;
  const child = spawn(process.execPath, [...flags, "-e", IDLE_NODE], { stdio: "ignore", env });
  started.push(child);
  return child;
}

function pidOf(child: ChildProcess): number {
  if (child.pid === undefined || child.exitCode !== null)
    throw new Error(`the bare node process ${child.spawnargs.join(" ")} is not running`);
  return child.pid;
}

function mb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

function describe(memory: ProcessMemory): string {
  return `anon ${mb(memory.anon)} + file ${mb(memory.file)}`;
}
