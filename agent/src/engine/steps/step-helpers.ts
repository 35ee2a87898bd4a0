import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { FunctionPackDescriptor } from "@tillroll/protocol";
import { runCommand } from "../../process/run-command.js";
import type { ServiceRelease } from "../../process/service-manager.js";
import { readDescriptor } from "../../release/read-descriptor.js";
import { FunctionLayout } from "../../release/release-layout.js";
import type { StepInput } from "../engine-context.js";

export function downloadPathFor(stateDir: string, sha256: string): string {
  return join(stateDir, "downloads", `${sha256}.tgz`);
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

/** The descriptor of an installed release, or a reason it cannot be used. */
export async function releaseDescriptor(
  input: StepInput,
  version: string,
): Promise<FunctionPackDescriptor | string> {
  const read = await readDescriptor(input.layout.releaseDir(version));
  return read.ok ? read.value : `release ${version}: ${read.error}`;
}

/** The service-manager view of an installed release, or why it cannot be had. */
export async function serviceReleaseOf(
  root: string,
  fn: string,
  version: string,
): Promise<ServiceRelease | string> {
  const layout = new FunctionLayout(root, fn);
  const read = await readDescriptor(layout.releaseDir(version));
  if (!read.ok) return `release ${version}: ${read.error}`;
  return toServiceRelease(layout.releaseDir(version), read.value);
}

function toServiceRelease(cwd: string, descriptor: FunctionPackDescriptor): ServiceRelease {
  return {
    cwd,
    start: descriptor.service.start,
    ...(descriptor.service.stop === undefined ? {} : { stop: descriptor.service.stop }),
    ...(descriptor.service.unit === undefined ? {} : { unit: descriptor.service.unit }),
  };
}

/** How the service manager runs a release: its folder is the working directory. */
export function serviceRelease(
  input: StepInput,
  version: string,
  descriptor: FunctionPackDescriptor,
): ServiceRelease {
  return toServiceRelease(input.layout.releaseDir(version), descriptor);
}

/** Environment every hook gets, so one script can serve install, upgrade and downgrade. */
function hookEnv(input: StepInput): NodeJS.ProcessEnv {
  return {
    ...process.env,
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
  const command = descriptor.hooks?.[which];
  if (command === undefined) return null;
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
    cwd: input.layout.releaseDir(input.job.toVersion),
    env: hookEnv(input),
    timeoutMs: config.timeouts.hookSeconds * 1000,
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
