import { readdir } from "node:fs/promises";
import { killOrphan } from "../process/pid-file.js";
import { terminateGroup } from "../process/process-group.js";
import { groupLeadersUnder } from "../process/stray-services.js";
import { FunctionLayout, versionOfRelease } from "../release/release-layout.js";
import { activeReleaseOf, newServiceRecord, previousReleaseOf } from "../state/agent-state.js";
import type { EngineContext } from "./engine-context.js";
import { decideRecovery, startsOldVersionAtBoot } from "./recovery.js";
import { startActiveRelease } from "./start-active.js";
import { commandPidFile, serviceReleaseOf } from "./steps/step-helpers.js";

async function installedFunctions(root: string): Promise<string[]> {
  try {
    return (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * Ends copies of `fn`'s service no pid file accounts for (the state folder was
 * wiped while they ran on): left alone they would run beside the copy this
 * run starts. Nothing else of the agent runs yet, so every group leader
 * working in the function's releases is such a leftover, except the adopted one.
 */
async function endStrays(ctx: EngineContext, fn: string, releasesDir: string): Promise<void> {
  const adopted = ctx.services.pid(fn);
  for (const pid of await groupLeadersUnder(releasesDir)) {
    if (pid === adopted) continue;
    const outcome = await terminateGroup(pid, STRAY_GRACE_MS);
    ctx.log(
      `${fn}: ended process group ${pid} running in ${releasesDir} without a pid file (${outcome})`,
    );
  }
}

const STRAY_GRACE_MS = 10_000;

/**
 * Start-up: make the journal agree with the disk, adopt the services an
 * earlier agent run left running (end those of another release: never two
 * copies), decide what to do with interrupted
 * updates, and start what should run. Runs before MQTT connects, so it
 * needs nobody: the edge keeps working alone.
 */
export async function bootServices(ctx: EngineContext): Promise<void> {
  const { store, config, log } = ctx;
  const now = new Date(ctx.clock.now()).toISOString();
  const names = new Set([
    ...Object.keys(store.state.services),
    ...(await installedFunctions(config.root)),
  ]);
  for (const fn of [...names].sort()) {
    const layout = new FunctionLayout(config.root, fn);
    // A release folder: the version, or version~request after a redeploy.
    const current = await layout.currentRelease();
    let record = store.state.services[fn];
    if (record === undefined) {
      if (current === null) continue;
      log(`${fn}: found ${current} installed; adopting it`);
      record = newServiceRecord(versionOfRelease(current), now);
      record.activeRelease = current;
      store.state.services[fn] = record;
    }
    // The service an earlier agent run left running is taken over if it runs
    // `current`; any other leftover copy (another release) is ended, so two
    // copies never run and an update that was cut off is not undone.
    const running = current === null ? null : await serviceReleaseOf(config.root, fn, current);
    for (const note of await ctx.services.adopt(fn, typeof running === "string" ? null : running))
      log(note);
    // A hook or health command (and what it forked) cut off by a crash: end
    // it before the step runs again, so re-runs never pile up.
    const command = await killOrphan(commandPidFile(config.state, fn));
    if (command.killed)
      log(`${fn}: ended hook process group ${command.pid} left by an earlier agent run`);
    if (config.serviceManager === "process") await endStrays(ctx, fn, layout.releasesDir);
    const job = record.job;
    const recovery = job === null ? null : decideRecovery(job, current);
    if (job !== null && recovery !== null) {
      log(`${fn}: ${recovery.reason}`);
      if (recovery.kind === "retry") {
        await layout.removeLeftovers();
        job.step = "fetch";
        job.notReady = null;
        job.failure = null;
        // The target's release folder may be incomplete: unpack makes it again.
        await layout.prune([activeReleaseOf(record), previousReleaseOf(record)]);
      } else {
        job.step = recovery.step;
      }
    } else if (record.job === null && current !== activeReleaseOf(record)) {
      log(
        `${fn}: journal said ${activeReleaseOf(record) ?? "none"}, current is ${current ?? "none"}; reporting the truth`,
      );
      record.activeVersion = current === null ? null : versionOfRelease(current);
      record.activeRelease = current;
    }
    const active = activeReleaseOf(record);
    if (startsOldVersionAtBoot(recovery) && active !== null)
      await startActiveRelease(ctx, fn, active);
  }
  await store.save();
  await ctx.reporter.setMaintenance(false, [], null);
}
