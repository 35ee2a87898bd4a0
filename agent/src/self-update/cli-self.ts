import { realpath } from "node:fs/promises";
import type { AgentConfig } from "@tillroll/protocol";
import type { SelfUpdateOptions } from "../engine/agent.js";
import { versionOfRelease } from "../release/release-layout.js";
import { runningRelease, SELF_UNCONFIRMED_EXIT_CODE } from "./self-function.js";
import {
  DEFAULT_CONFIRM_SECONDS,
  DEFAULT_CONFIRM_TIMEOUT_SECONDS,
  DEFAULT_PROBE_TIMEOUT_MS,
} from "./self-host.js";

async function real(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

/** A positive number from the environment, else the default. */
function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * Who this agent process is: the release of `tillroll-agent` it runs from
 * (its script's real path under `<root>/tillroll-agent/releases/`), and so its
 * version (the release's; a build run from elsewhere reports none and leaves
 * the Agent's default). Env TILLROLL_SELF_CONFIRM_SECONDS,
 * TILLROLL_SELF_CONFIRM_TIMEOUT_SECONDS and TILLROLL_SELF_PROBE_TIMEOUT_SECONDS
 * set the waits. A new agent that gives up confirming calls `exit` with
 * SELF_UNCONFIRMED_EXIT_CODE.
 */
export async function selfUpdateOptions(
  configPath: string,
  config: AgentConfig,
  script: string | undefined,
  env: NodeJS.ProcessEnv,
  onRestart: () => void,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<{
  agentVersion: string | undefined;
  selfUpdate: SelfUpdateOptions & { probeTimeoutMs: number };
}> {
  const release =
    script === undefined ? null : runningRelease(await real(config.root), await real(script));
  return {
    agentVersion: release === null ? undefined : versionOfRelease(release),
    selfUpdate: {
      configPath: await real(configPath),
      runningRelease: release,
      confirmSeconds: seconds(env.TILLROLL_SELF_CONFIRM_SECONDS, DEFAULT_CONFIRM_SECONDS),
      confirmTimeoutSeconds: seconds(
        env.TILLROLL_SELF_CONFIRM_TIMEOUT_SECONDS,
        DEFAULT_CONFIRM_TIMEOUT_SECONDS,
      ),
      probeTimeoutMs:
        seconds(env.TILLROLL_SELF_PROBE_TIMEOUT_SECONDS, DEFAULT_PROBE_TIMEOUT_MS / 1000) * 1000,
      onRestart,
      onGiveUp: () => exit(SELF_UNCONFIRMED_EXIT_CODE),
    },
  };
}
