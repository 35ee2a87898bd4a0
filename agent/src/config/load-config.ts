import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import {
  type AgentConfig,
  agentConfigSchema,
  err,
  ok,
  parseJson,
  type Result,
  validate,
} from "@tillroll/protocol";

/** Relative paths in a config file mean "beside the config file", not "wherever the daemon was started". */
export function resolveConfigPaths(config: AgentConfig, configDir: string): AgentConfig {
  const at = (path: string) => (isAbsolute(path) ? path : resolve(configDir, path));
  return {
    ...config,
    root: at(config.root),
    state: at(config.state),
    ...(config.ca === undefined ? {} : { ca: at(config.ca) }),
    readiness: config.readiness.map((probe) => {
      if (probe.type === "lockfile") return { ...probe, path: at(probe.path) };
      if (probe.type === "command") return { ...probe, run: at(probe.run) };
      return probe;
    }),
  };
}

/** Validates a parsed config; the error names the file and every bad key. */
export function parseAgentConfig(raw: unknown, configPath: string): Result<AgentConfig> {
  const checked = validate(agentConfigSchema, raw);
  if (!checked.ok)
    return err(
      `config ${configPath}: ${checked.error.split("\n").join(`\nconfig ${configPath}: `)}`,
    );
  return ok(resolveConfigPaths(checked.value, dirname(resolve(configPath))));
}

export async function loadAgentConfig(configPath: string): Promise<Result<AgentConfig>> {
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch (error) {
    return err(
      `config ${configPath}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  const raw = parseJson(text, `config ${configPath}`);
  return raw.ok ? parseAgentConfig(raw.value, configPath) : raw;
}
