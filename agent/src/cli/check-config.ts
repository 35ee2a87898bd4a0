import { X509Certificate } from "node:crypto";
import { constants } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { type AgentConfig, parseJson, parsePublicKey } from "@tillroll/protocol";
import { checkConfigMode } from "../config/config-mode.js";
import { parseAgentConfig } from "../config/load-config.js";
import { pinnedKeys } from "../config/pinned-keys.js";

/**
 * `tillroll-agent check-config FILE`: what a technician (or the .deb's
 * postinst, or a rollout script) runs before starting the daemon. It names
 * EVERY problem at once — schema errors with their paths, a CA file that is
 * missing or not a certificate, a state or install folder the agent could
 * not write — because a till visited once should not need a second visit
 * for the next typo. It reads only; it creates and changes nothing.
 */
export type ConfigCheck =
  | { ok: true; summary: string; warnings: string[] }
  | { ok: false; problems: string[] };

export async function checkConfigFile(configPath: string): Promise<ConfigCheck> {
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch (error) {
    return { ok: false, problems: [`cannot read the file (${codeOf(error)})`] };
  }
  const raw = parseJson(text, "the file");
  if (!raw.ok) return { ok: false, problems: [raw.error] };

  const parsed = parseAgentConfig(raw.value, configPath);
  const problems: string[] = [];
  if (!parsed.ok) {
    const prefix = `config ${configPath}: `;
    for (const line of parsed.error.split("\n"))
      problems.push(line.startsWith(prefix) ? line.slice(prefix.length) : line);
  }
  // Files and folders are checked even when the schema failed, from whatever
  // the file says, so one run lists everything to fix.
  const paths = parsed.ok ? parsed.value : pathsFromRaw(raw.value, configPath);
  if (paths.ca !== undefined) problems.push(...(await caProblems(paths.ca)));
  for (const [key, folder] of [
    ["state", paths.state],
    ["root", paths.root],
  ] as const)
    if (folder !== undefined) problems.push(...(await folderProblems(key, folder)));
  if (parsed.ok) {
    problems.push(...keyProblems(parsed.value));
    problems.push(...(await probeProblems(parsed.value)));
  }
  if (!parsed.ok || problems.length > 0) return { ok: false, problems };

  const modeWarning = await checkConfigMode(configPath, parsed.value.password !== undefined);
  return {
    ok: true,
    summary: summarize(configPath, parsed.value),
    warnings: modeWarning === null ? [] : [modeWarning],
  };
}

/** The one line printed when the config is good. */
export function summarize(configPath: string, config: AgentConfig): string {
  const keys = pinnedKeys(config).length;
  const probes = config.readiness.map((probe) => probe.type);
  return [
    `config ${configPath} OK: workstation ${config.store}/${config.workstation}`,
    `broker ${config.broker}${config.username === undefined ? "" : ` as ${config.username}`}`,
    `state ${config.state}`,
    `root ${config.root}`,
    `${keys} pinned coordinator key${keys === 1 ? "" : "s"}`,
    probes.length === 0 ? "no readiness probes" : `readiness ${probes.join(", ")}`,
    `service manager ${config.serviceManager}`,
  ].join(", ");
}

/** Runs the command: prints the summary (exit 0) or every problem (exit 2). */
export async function runCheckConfig(
  configPath: string,
  out: { stdout: (text: string) => void; stderr: (text: string) => void },
): Promise<number> {
  const result = await checkConfigFile(configPath);
  if (result.ok) {
    out.stdout(`${result.summary}\n`);
    for (const warning of result.warnings) out.stderr(`tillroll-agent: ${warning}\n`);
    return 0;
  }
  const count = result.problems.length;
  out.stderr(
    `tillroll-agent: config ${configPath} has ${count} problem${count === 1 ? "" : "s"}:\n${result.problems.map((problem) => `  ${problem}\n`).join("")}`,
  );
  return 2;
}

function pathsFromRaw(
  raw: unknown,
  configPath: string,
): { ca?: string; state?: string; root?: string } {
  if (typeof raw !== "object" || raw === null) return {};
  const base = dirname(resolve(configPath));
  const record = raw as Record<string, unknown>;
  const at = (key: string) => {
    const value = record[key];
    if (typeof value !== "string" || value === "") return undefined;
    return isAbsolute(value) ? value : resolve(base, value);
  };
  const result: { ca?: string; state?: string; root?: string } = {};
  for (const key of ["ca", "state", "root"] as const) {
    const path = at(key);
    if (path !== undefined) result[key] = path;
  }
  return result;
}

async function caProblems(caPath: string): Promise<string[]> {
  let pem: string;
  try {
    pem = await readFile(caPath, "utf8");
  } catch (error) {
    return [`ca: cannot read ${caPath} (${codeOf(error)})`];
  }
  try {
    new X509Certificate(pem);
    return [];
  } catch {
    return [`ca: ${caPath} is not a PEM certificate`];
  }
}

/**
 * The agent creates its state and install folders (mkdir -p), so a folder
 * may be missing; then its nearest existing parent must let it be created.
 */
async function folderProblems(key: string, folder: string): Promise<string[]> {
  let existing = folder;
  for (;;) {
    try {
      const info = await stat(existing);
      if (!info.isDirectory())
        return [
          existing === folder
            ? `${key}: ${folder} is not a folder`
            : `${key}: cannot create ${folder}: ${existing} is not a folder`,
        ];
      break;
    } catch (error) {
      const code = codeOf(error);
      // ENOTDIR: a parent is a file; walking up finds it and says so.
      if (code !== "ENOENT" && code !== "ENOTDIR")
        return [`${key}: cannot look at ${existing} (${code})`];
      const parent = dirname(existing);
      if (parent === existing) return [`${key}: no existing parent folder for ${folder}`];
      existing = parent;
    }
  }
  try {
    await access(existing, constants.R_OK | constants.W_OK | constants.X_OK);
    return [];
  } catch (error) {
    return [
      existing === folder
        ? `${key}: ${folder} is not writable by this user (${codeOf(error)})`
        : `${key}: cannot create ${folder}: ${existing} is not writable by this user (${codeOf(error)})`,
    ];
  }
}

/** The schema checked each key's text; this builds the key as the daemon will. */
function keyProblems(config: AgentConfig): string[] {
  return pinnedKeys(config).flatMap((key) => {
    const parsed = parsePublicKey(key);
    return parsed.ok ? [] : [`coordinatorKey ${key.slice(0, 20)}…: ${parsed.error}`];
  });
}

/** A command probe that is missing or not executable makes the till Not Ready forever. */
async function probeProblems(config: AgentConfig): Promise<string[]> {
  const problems: string[] = [];
  for (const [index, probe] of config.readiness.entries()) {
    if (probe.type !== "command") continue;
    try {
      await access(probe.run, constants.X_OK);
    } catch (error) {
      problems.push(`readiness.${index}.run: ${probe.run} is not executable (${codeOf(error)})`);
    }
  }
  return problems;
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
