import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built agent CLI; `pnpm check` builds before it tests. */
export const AGENT_CLI = fileURLToPath(new URL("../../agent/dist/cli/main.js", import.meta.url));

export interface AgentHarnessOptions {
  dir: string;
  brokerUrl: string;
  coordinatorKey: string;
  store?: string;
  workstation?: string;
  readiness?: unknown[];
  recheckSeconds?: number;
  extraConfig?: Record<string, unknown>;
  /** chmod of the config file after it is written (default: whatever the umask leaves, 0644). */
  configMode?: number;
  env?: Record<string, string>;
  /** The agent CLI to run (default: this checkout's build; a test may run a deployed copy). */
  cli?: string;
  /**
   * Run this program instead of `node CLI` (e.g. the launcher and its
   * arguments); `--config FILE` is appended. Stopping signals the program.
   */
  program?: readonly string[];
}

/**
 * A real `tillroll-agent` process with its own install root, state folder
 * and config, started and killed like the daemon on a till.
 */
export class AgentProcess {
  readonly root: string;
  readonly state: string;
  readonly markers: string;
  readonly configPath: string;
  readonly output: string[] = [];
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> | null = null;

  constructor(private readonly options: AgentHarnessOptions) {
    this.root = join(options.dir, "root");
    this.state = join(options.dir, "state");
    this.markers = join(options.dir, "markers");
    this.configPath = join(options.dir, "agent.json");
  }

  get store(): string {
    return this.options.store ?? "1001";
  }

  get workstation(): string {
    return this.options.workstation ?? "01";
  }

  async writeConfig(): Promise<void> {
    await mkdir(this.markers, { recursive: true });
    const config = {
      store: this.store,
      workstation: this.workstation,
      broker: this.options.brokerUrl,
      root: "root",
      state: "state",
      coordinatorKey: this.options.coordinatorKey,
      readiness: this.options.readiness ?? [],
      recheckSeconds: this.options.recheckSeconds ?? 0.5,
      ...this.options.extraConfig,
    };
    await writeFile(this.configPath, JSON.stringify(config, null, 2));
    if (this.options.configMode !== undefined)
      await chmod(this.configPath, this.options.configMode);
  }

  /** Starts the daemon; `env` adds variables for this run only (e.g. a crash point). */
  async start(env: Record<string, string> = {}): Promise<void> {
    if (this.child !== null) throw new Error("agent already running");
    await this.writeConfig();
    const [file, ...args] = this.options.program ?? [
      process.execPath,
      this.options.cli ?? AGENT_CLI,
    ];
    const child = spawn(file ?? process.execPath, [...args, "--config", this.configPath], {
      env: { ...process.env, TILLROLL_MARKER_DIR: this.markers, ...this.options.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n"))
        if (line.trim() !== "") this.output.push(line);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => {
      child.on("exit", (code) => {
        this.child = null;
        resolve(code);
      });
    });
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Resolves with the exit code once the process has gone (null if killed by a signal). */
  waitExit(timeoutMs = 30_000): Promise<number | null> {
    const exited = this.exited ?? Promise.resolve(null);
    return Promise.race([
      exited,
      new Promise<number | null>((_, reject) =>
        setTimeout(
          () => reject(new Error(`agent did not exit within ${timeoutMs} ms`)),
          timeoutMs,
        ).unref(),
      ),
    ]);
  }

  /** A power cut: SIGKILL, no goodbye. The services it started keep running as orphans. */
  async kill9(): Promise<void> {
    if (this.child === null) return;
    this.child.kill("SIGKILL");
    await this.waitExit();
  }

  /**
   * A clean shutdown (SIGTERM): the agent says offline and exits. Its
   * services run on (the next start adopts them); `close` ends them too.
   */
  async stop(): Promise<void> {
    if (this.child === null) return;
    this.child.kill("SIGTERM");
    await this.waitExit();
  }

  /** Teardown: stops the agent, then kills every service it left running. */
  async close(): Promise<void> {
    await this.stop().catch(() => undefined);
    await this.killServices();
  }

  /**
   * SIGKILLs the process group of every service, next instance and hook the
   * agent recorded in `<state>/run/*.pid`: tests leave nothing running.
   */
  async killServices(): Promise<number[]> {
    return killServiceGroups(this.state);
  }

  /**
   * Throws when the agent logged a status move the protocol's transition
   * table does not allow (agent/src/engine/update-runner.ts `transition`).
   */
  assertLegalTransitions(): void {
    const illegal = this.output.filter((line) => line.includes("illegal status transition"));
    if (illegal.length > 0)
      throw new Error(`agent ${this.store}/${this.workstation}: ${illegal.join("\n")}`);
  }

  /** The agent's log so far, for failure messages. */
  log(): string {
    return this.output.join("\n");
  }
}

/** Kills the process groups recorded in the pid files under `<stateDir>/run`; returns their ids. */
export async function killServiceGroups(stateDir: string): Promise<number[]> {
  const run = join(stateDir, "run");
  const killed: number[] = [];
  let files: string[];
  try {
    files = (await readdir(run)).filter((name) => name.endsWith(".pid"));
  } catch {
    return killed;
  }
  for (const name of files) {
    const pid = Number((await readFile(join(run, name), "utf8").catch(() => "")).split("\n")[0]);
    // Only a group the agent started (its leader's pid is the group id), never a reused pid's.
    if (!Number.isSafeInteger(pid) || pid <= 1 || groupOf(pid) !== pid) continue;
    try {
      process.kill(-pid, "SIGKILL");
      killed.push(pid);
    } catch {
      // gone already
    }
  }
  return killed;
}

function groupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
}
