#!/usr/bin/env node
// First: zod must be configured before the protocol's schemas are built.
import "./zod-interpreted.js";
import { parseArgs } from "node:util";
import { checkConfigMode } from "../config/config-mode.js";
import { loadAgentConfig } from "../config/load-config.js";
import { Agent } from "../engine/agent.js";
import type { JobStep } from "../engine/journal.js";
import { selfUpdateOptions } from "../self-update/cli-self.js";
import { SELF_RESTART_EXIT_CODE } from "../self-update/self-function.js";
import { runCheckConfig } from "./check-config.js";
import { formatLocalStatus, readLocalState } from "./local-status.js";
import { selfTest } from "./self-test.js";
import { restoreServiceEnvironment } from "./service-environment.js";

const HELP = `tillroll-agent: keeps this workstation's flow services at the coordinator's preferred version.

Usage:
  tillroll-agent --config FILE           run the daemon
  tillroll-agent status --config FILE    print the local view (services, versions, status, last error)
  tillroll-agent check-config FILE       check a config without starting: exit 0 with a summary,
                                         or exit 2 naming every problem
  tillroll-agent self-test --config FILE the probe of a new agent release: config, journal (read-only),
                                         broker connection; exit 0, or 1 naming the problem
  tillroll-agent --help

Options:
  --config FILE   agent config (JSON); relative paths in it resolve against its folder
  --json          with status: print the journal's services as JSON
`;

function fail(message: string): never {
  process.stderr.write(`tillroll-agent: ${message}\n`);
  process.exit(2);
}

function timestamped(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

/**
 * Test hook for the crash-safety suite: `TILLROLL_TEST_CRASH_AT=switch:before`
 * SIGKILLs the agent right after it journalled that step (or right after it
 * ran it, with `:after`), exactly like a power cut at that instant.
 */
function crashHook(
  spec: string | undefined,
): ((step: JobStep, when: "before" | "after") => void) | undefined {
  if (spec === undefined || spec === "") return undefined;
  const [step, when = "before"] = spec.split(":");
  return (current, moment) => {
    if (current === step && moment === when) process.kill(process.pid, "SIGKILL");
  };
}

async function main(): Promise<void> {
  restoreServiceEnvironment(process.env);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    fail(`${(error as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const command = positionals[0] ?? "run";
  if (command === "check-config") {
    const file = positionals[1] ?? values.config;
    if (file === undefined) fail(`check-config needs the config FILE\n\n${HELP}`);
    const write = (stream: NodeJS.WriteStream) => (text: string) => stream.write(text);
    process.exitCode = await runCheckConfig(file, {
      stdout: write(process.stdout),
      stderr: write(process.stderr),
    });
    return;
  }
  if (command !== "run" && command !== "status" && command !== "self-test")
    fail(`unknown command ${JSON.stringify(command)}\n\n${HELP}`);
  if (values.config === undefined) fail(`--config FILE is required\n\n${HELP}`);
  const config = await loadAgentConfig(values.config);
  if (!config.ok) fail(config.error);

  if (command === "status") {
    const state = await readLocalState(config.value.state);
    if (typeof state === "string") fail(state);
    process.stdout.write(
      values.json
        ? `${JSON.stringify(state.services, null, 2)}\n`
        : `${formatLocalStatus(state, config.value)}\n`,
    );
    return;
  }

  // Exit 75 after a self-update switched `current`: the launcher starts the new agent.
  const self = await selfUpdateOptions(
    values.config,
    config.value,
    process.argv[1],
    process.env,
    () => process.exit(SELF_RESTART_EXIT_CODE),
  );
  if (command === "self-test") {
    const result = await selfTest(
      config.value,
      self.agentVersion ?? "(development build)",
      // Inside the prober's own timeout, so a slow broker is named, not just "no answer".
      Math.round(self.selfUpdate.probeTimeoutMs * 0.8),
    );
    if (!result.ok) {
      process.stderr.write(`tillroll-agent: self-test failed: ${result.problem}\n`);
      process.exit(1);
    }
    process.stdout.write(`${result.summary}\n`);
    process.exit(0);
  }

  const modeWarning = await checkConfigMode(values.config, config.value.password !== undefined);
  if (modeWarning !== null) process.stderr.write(`tillroll-agent: ${modeWarning}\n`);

  const agent = await Agent.start({
    config: config.value,
    log: timestamped,
    onStep: crashHook(process.env.TILLROLL_TEST_CRASH_AT),
    ...self,
  });
  timestamped(
    `tillroll-agent ${config.value.store}/${config.value.workstation} running (broker ${config.value.broker})`,
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    timestamped(`${signal}: stopping`);
    agent.stop().then(
      () => process.exit(0),
      (error: Error) => {
        timestamped(`stop failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      config: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

main().catch((error: Error) => fail(error.stack ?? error.message));
