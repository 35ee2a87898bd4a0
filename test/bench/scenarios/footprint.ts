import { setTimeout as sleep } from "node:timers/promises";
import { AGENT_CLI } from "../../e2e/agent-harness.js";
import { agentKit } from "../../e2e/agent-kit.js";
import { pollUntil } from "../../support/wait.js";
import { infoMetric, type Metric, maxMetric, type Scenario } from "../scenario.js";
import { findPids, processCpuTimes, processRss } from "./footprint-proc.js";

/**
 * footprint: what the agent costs a till while nothing happens. One service
 * (pos-client 1.0.0) installed and OK, no readiness probes, connected to the
 * broker; then 60 s (6 s with --quick) of idle, reading the agent process's
 * /proc/PID/status VmRSS (every second) and /proc/PID/stat utime+stime at
 * the start and the end.
 *
 * - agent idle RSS: VmRSS at the end of the window, what the idle agent
 *   settles to (start and peak are reported beside it: the first seconds
 *   still carry the install's garbage).
 * - agent idle CPU: the agent's own utime+stime over the window, as % of one
 *   core. Ticks are 10 ms, so with --quick one tick is 0.17 %: coarse.
 *
 * The coordinator's footprint (10,000 workstations, 100,000 rows) belongs
 * here too once the fleet simulator (test/sim/) exists: measure it with
 * footprint-proc.ts's processRss / processCpuSeconds the same way.
 */

const MB = 1024 * 1024;
const FN = "pos-client";
/** After the install: let start-up allocation, status reports and the first GCs settle. */
const SETTLE_MS = 2_000;
const SAMPLE_MS = 1_000;

export const footprint: Scenario = async (ctx) => {
  const idleMs = ctx.quick ? 6_000 : 60_000;
  // recheckSeconds as in production (the harness's 0.5 s is for fast tests; it only
  // matters for Not Ready, but the idle agent should be configured like a real one).
  const kit = await agentKit("bench-footprint", { recheckSeconds: 30 });
  try {
    await kit.pack({ name: FN, version: "1.0.0", healthIntervalSeconds: 0.1 });
    await kit.agent.start();
    await kit.want("1.0.0");
    await kit.waitService(FN, (s) => s.status === "OK" && s.activeVersion === "1.0.0", 30_000);

    // AgentProcess keeps its child private: find the daemon by its command line.
    const pid = await pollUntil(
      async () => {
        const pids = await findPids([AGENT_CLI, kit.agent.configPath]);
        if (pids.length > 1) throw new Error(`several agent processes match: ${pids.join(", ")}`);
        return pids[0];
      },
      5_000,
      `the agent process (--config ${kit.agent.configPath})`,
    );
    await sleep(SETTLE_MS);

    const seqBefore = kit.watcher.latest()?.seq;
    const cpuStart = await processCpuTimes(pid);
    const t0 = performance.now();
    const rss: number[] = [await processRss(pid)];
    while (performance.now() - t0 < idleMs) {
      await sleep(Math.min(SAMPLE_MS, Math.max(0, idleMs - (performance.now() - t0))));
      rss.push(await processRss(pid));
    }
    const cpuEnd = await processCpuTimes(pid);
    const wallSeconds = (performance.now() - t0) / 1000;
    if (!kit.agent.running) throw new Error(`the agent exited while idle:\n${kit.agent.log()}`);
    const latest = kit.watcher.latest();
    const service = latest?.services[FN];
    if (service?.status !== "OK" || service.activeVersion !== "1.0.0")
      throw new Error(`after the idle window ${FN} is ${JSON.stringify(service)}`);

    const cpuPercent = ((cpuEnd.self - cpuStart.self) / wallSeconds) * 100;
    const childPercent = ((cpuEnd.children - cpuStart.children) / wallSeconds) * 100;
    const statusReports = (latest?.seq ?? 0) - (seqBefore ?? 0);
    ctx.log(
      `agent pid ${pid}: RSS ${((rss[0] as number) / MB).toFixed(1)} -> ${((rss.at(-1) as number) / MB).toFixed(1)} MB over ${wallSeconds.toFixed(1)} s, CPU ${(cpuEnd.self - cpuStart.self).toFixed(2)} s (+${(cpuEnd.children - cpuStart.children).toFixed(2)} s children), ${statusReports} status reports`,
    );
    const metrics: Metric[] = [
      maxMetric("agent idle RSS", (rss.at(-1) as number) / MB, "MB", 60),
      maxMetric("agent idle CPU", cpuPercent, "%", 0.5),
      infoMetric("agent RSS at start of idle", (rss[0] as number) / MB, "MB"),
      infoMetric("agent RSS peak while idle", Math.max(...rss) / MB, "MB"),
      infoMetric("agent children's CPU (reaped)", childPercent, "%"),
      infoMetric("idle window", wallSeconds, "s"),
      infoMetric("status reports while idle", statusReports, "count"),
    ];
    return metrics;
  } finally {
    await kit.close();
  }
};
