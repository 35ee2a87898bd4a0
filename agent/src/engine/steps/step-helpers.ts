import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type FunctionPackDescriptor, hookCommands } from "@tillroll/protocol";
import { readDescriptor } from "@tillroll/protocol/node";
import { waitHealthy } from "../../process/health-check.js";
import { OutputTail } from "../../process/output-tail.js";
import { runCommand } from "../../process/run-command.js";
import type { ServiceRelease } from "../../process/service-manager.js";
import { recipeEnvOf } from "../../recipe/apply-recipe.js";
import { FunctionLayout, versionOfRelease } from "../../release/release-layout.js";
import { jobFromRelease, jobToRelease, previousReleaseOf } from "../../state/agent-state.js";
import type { StepInput } from "../engine-context.js";

export function downloadPathFor(stateDir: string, sha256: string): string {
  return join(stateDir, "downloads", `${sha256}.tgz`);
}

/**
 * Pid file of the hook or health command running for `fn`: a crashed agent's
 * leftover is ended at the next start, before the step runs again.
 */
export function commandPidFile(stateDir: string, fn: string): string {
  return join(stateDir, "run", `${fn}.command.pid`);
}

export function downloadPath(input: StepInput): string {
  return downloadPathFor(input.ctx.config.state, input.job.artifact.sha256);
}

/** Removes a downloaded pack and any partial download of it. */
export async function discardDownloadFile(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.part`, { force: true });
}

export function discardDownload(input: StepInput): Promise<void> {
  return discardDownloadFile(downloadPath(input));
}

/** The descriptor of an installed release (a folder under releases/), or a reason it cannot be used. */
export async function releaseDescriptor(
  input: StepInput,
  release: string,
): Promise<FunctionPackDescriptor | string> {
  const read = await readDescriptor(input.layout.releaseDir(release));
  return read.ok ? read.value : `release ${release}: ${read.error}`;
}

/** The service-manager view of an installed release, or why it cannot be had. */
export async function serviceReleaseOf(
  root: string,
  fn: string,
  release: string,
): Promise<ServiceRelease | string> {
  const layout = new FunctionLayout(root, fn);
  const read = await readDescriptor(layout.releaseDir(release));
  if (!read.ok) return `release ${release}: ${read.error}`;
  return toServiceRelease(layout.releaseDir(release), read.value);
}

async function toServiceRelease(
  cwd: string,
  descriptor: FunctionPackDescriptor,
): Promise<ServiceRelease> {
  return {
    cwd,
    // The recipe the folder was built with: its env goes with the release wherever it starts.
    env: await recipeEnvOf(cwd),
    start: descriptor.service.start,
    ...(descriptor.service.stop === undefined ? {} : { stop: descriptor.service.stop }),
    ...(descriptor.service.unit === undefined ? {} : { unit: descriptor.service.unit }),
  };
}

/** How the service manager runs a release: its folder is the working directory. */
export function serviceRelease(
  input: StepInput,
  release: string,
  descriptor: FunctionPackDescriptor,
): Promise<ServiceRelease> {
  return toServiceRelease(input.layout.releaseDir(release), descriptor);
}

/**
 * Environment every hook gets, so one script can serve install, upgrade and
 * downgrade; with the new release's recipe env (issue 13).
 */
async function hookEnv(input: StepInput): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    ...(await recipeEnvOf(input.layout.releaseDir(jobToRelease(input.job)))),
    TILLROLL_FUNCTION: input.fn,
    TILLROLL_FROM_VERSION: input.job.fromVersion ?? "",
    TILLROLL_TO_VERSION: input.job.toVersion,
    TILLROLL_REQUEST_ID: input.job.requestId,
  };
}

/**
 * Runs a descriptor hook of the new release with a timeout; every line it
 * prints goes to the install log, as the seeds' import log does.
 * Returns null on success, else the reason.
 */
export async function runHook(
  input: StepInput,
  which: "beforeInstall" | "afterInstall",
  descriptor: FunctionPackDescriptor,
): Promise<string | null> {
  // A list runs in the listed order (the seed's import hooks have none); the first failure ends it.
  for (const command of hookCommands(descriptor, which)) {
    const failure = await runOneHook(input, which, command);
    if (failure !== null) return failure;
  }
  return null;
}

async function runOneHook(
  input: StepInput,
  which: "beforeInstall" | "afterInstall",
  command: string,
): Promise<string | null> {
  const { reporter, config } = input.ctx;
  const base = { function: input.fn, version: input.job.toVersion, requestId: input.job.requestId };
  await reporter.installLog({
    ...base,
    level: "info",
    source: "agent",
    stream: null,
    line: `Executing ${which} hook ${command}`,
  });
  const pending: Promise<void>[] = [];
  const result = await runCommand({
    command,
    cwd: input.layout.releaseDir(jobToRelease(input.job)),
    env: await hookEnv(input),
    timeoutMs: config.timeouts.hookSeconds * 1000,
    pidFile: commandPidFile(config.state, input.fn),
    onLeftover: (message) => {
      pending.push(
        reporter.installLog({
          ...base,
          level: "warn",
          source: "agent",
          stream: null,
          line: message,
        }),
      );
    },
    onLine: (line, stream) => {
      pending.push(
        reporter.installLog({
          ...base,
          level: stream === "stderr" ? "warn" : "info",
          source: which,
          stream,
          line,
        }),
      );
    },
  });
  await Promise.all(pending);
  if (result.ok) return null;
  const reason = `${which} hook ${command} ${result.reason}`;
  await reporter.installLog({
    ...base,
    level: "error",
    source: "agent",
    stream: null,
    line: reason,
  });
  return reason;
}

/** Health-check output lines copied to the install log per check; the rest is counted, not kept. */
const MAX_HEALTH_LOG_LINES = 200;

/**
 * Runs the health check of a release (a folder under releases/). Its output
 * goes to the install log and the last lines of it into the reason, so "not
 * healthy" comes with the service's own words (`database unreachable`) and
 * not only an exit code.
 */
export async function checkHealth(
  input: StepInput,
  release: string,
  descriptor: FunctionPackDescriptor,
): Promise<{ healthy: boolean; reason: string }> {
  const { ctx } = input;
  const version = versionOfRelease(release);
  const base = { function: input.fn, version, requestId: input.job.requestId };
  const tail = new OutputTail();
  const pending: Promise<void>[] = [];
  let lines = 0;
  const health = await waitHealthy(descriptor.service.health, {
    cwd: input.layout.releaseDir(release),
    env: { ...process.env, ...(await recipeEnvOf(input.layout.releaseDir(release))) },
    now: () => ctx.clock.now(),
    sleep: (ms, signal) => ctx.clock.sleep(ms, signal),
    pidFile: commandPidFile(ctx.config.state, input.fn),
    onLine: (line, stream) => {
      tail.push(line);
      lines += 1;
      if (lines > MAX_HEALTH_LOG_LINES) return;
      const level = stream === "stderr" ? "warn" : "info";
      pending.push(ctx.reporter.installLog({ ...base, level, source: "health", stream, line }));
    },
  });
  if (lines > MAX_HEALTH_LOG_LINES) {
    const line = `${lines - MAX_HEALTH_LOG_LINES} more health-check output line(s) not logged`;
    pending.push(
      ctx.reporter.installLog({ ...base, level: "warn", source: "agent", stream: null, line }),
    );
  }
  const output = tail.text();
  const reason = output === "" ? health.reason : `${health.reason}; output: ${output}`;
  if (!health.healthy)
    pending.push(
      ctx.reporter.installLog({
        ...base,
        level: "error",
        source: "agent",
        stream: null,
        line: `health check of ${version} failed: ${reason}`,
      }),
    );
  await Promise.all(pending);
  return { healthy: health.healthy, reason };
}

/**
 * The versions a job ends with when it did not go ahead (abort, rollback, a
 * self-update gone back): the release that ran before is the active one again.
 */
export function keptVersions(input: StepInput) {
  return {
    activeVersion: input.job.fromVersion,
    previousVersion: input.record.previousVersion,
    activeRelease: jobFromRelease(input.job),
    previousRelease: previousReleaseOf(input.record),
  };
}
