import { execFile } from "node:child_process";
import {
  ProcessSupervisor,
  type SupervisedRelease,
  type SupervisorOptions,
} from "./process-supervisor.js";

/** A release as the service managers see it; paths relative to `cwd`. */
export interface ServiceRelease extends SupervisedRelease {
  /** systemd unit from the descriptor; overrides the configured naming rule. */
  unit?: string;
}

/**
 * Starts and stops a function's service, whatever actually runs it. The
 * installer only talks to this interface, so rollback logic is the same for
 * tills where the agent supervises processes itself and tills that use systemd.
 */
export interface ServiceManager {
  /** Resolves once the service was started; rejects if it could not be. */
  start(fn: string, release: ServiceRelease): Promise<void>;
  /** Resolves once the service is stopped; a function that is not running is fine. */
  stop(fn: string): Promise<void>;
  isRunning(fn: string): boolean;
}

export interface ProcessServiceManagerOptions {
  /** Per-function supervisor settings, e.g. its pid file and log routing. */
  supervisorOptions?: (fn: string) => SupervisorOptions;
}

interface Supervised {
  supervisor: ProcessSupervisor;
  release: ServiceRelease;
  started: Promise<void>;
}

/** Runs each function's service as a child of the agent, one supervisor per function. */
export class ProcessServiceManager implements ServiceManager {
  readonly #options: ProcessServiceManagerOptions;
  readonly #services = new Map<string, Supervised>();

  constructor(options: ProcessServiceManagerOptions = {}) {
    this.#options = options;
  }

  start(fn: string, release: ServiceRelease): Promise<void> {
    const current = this.#services.get(fn);
    if (current !== undefined && current.supervisor.state() !== "stopped") {
      // Same release again is a harmless repeat; a different one while the
      // old runs would mean two versions at once, so the caller must stop first.
      if (current.release.cwd === release.cwd && current.release.start === release.start) {
        return current.started;
      }
      return Promise.reject(
        new Error(`${fn} is already running from ${current.release.cwd}; stop it first`),
      );
    }
    const supervisor = new ProcessSupervisor(this.#options.supervisorOptions?.(fn));
    const entry: Supervised = { supervisor, release, started: Promise.resolve() };
    entry.started = supervisor.start(release).then((result) => {
      if (result.ok) return;
      if (this.#services.get(fn) === entry) this.#services.delete(fn);
      throw new Error(`${fn}: ${result.reason}`);
    });
    this.#services.set(fn, entry);
    return entry.started;
  }

  async stop(fn: string): Promise<void> {
    const entry = this.#services.get(fn);
    if (entry === undefined) return;
    await entry.supervisor.stop();
    if (this.#services.get(fn) === entry) this.#services.delete(fn);
  }

  isRunning(fn: string): boolean {
    return this.#services.get(fn)?.supervisor.isRunning() ?? false;
  }

  pid(fn: string): number | undefined {
    return this.#services.get(fn)?.supervisor.pid();
  }
}

/** Outcome of one `systemctl` call. */
export interface SystemctlResult {
  /** null if systemctl could not be run or was killed. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `systemctl` with the given arguments; injectable so tests need no systemd. */
export type SystemctlRunner = (args: readonly string[]) => Promise<SystemctlResult>;

export interface SystemdServiceManagerOptions {
  runner?: SystemctlRunner;
  /** Unit for a function whose descriptor names none; defaults to `<fn>.service`. */
  unitFor?: (fn: string) => string;
}

/** How long one `systemctl` call may take (systemd's own default start timeout is 90 s). */
const SYSTEMCTL_TIMEOUT_MS = 120_000;

/** Runs the real `systemctl`; never rejects, failures come back as a result. */
export const execSystemctl: SystemctlRunner = (args) =>
  new Promise((resolve) => {
    execFile(
      "systemctl",
      [...args],
      { timeout: SYSTEMCTL_TIMEOUT_MS, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        const exitCode = error === null ? 0 : typeof code === "number" ? code : null;
        resolve({ exitCode, stdout, stderr: stderr || (error?.message ?? "") });
      },
    );
  });

/**
 * Leaves supervision to systemd. `isRunning` reports the last known state
 * (from start/stop/isActive) because the interface is synchronous; call
 * `isActive` to ask systemd.
 */
export class SystemdServiceManager implements ServiceManager {
  readonly #runner: SystemctlRunner;
  readonly #unitFor: (fn: string) => string;
  /** Unit each function was last started under, so stop hits the same unit. */
  readonly #units = new Map<string, string>();
  readonly #active = new Set<string>();

  constructor(options: SystemdServiceManagerOptions = {}) {
    this.#runner = options.runner ?? execSystemctl;
    this.#unitFor = options.unitFor ?? ((fn) => `${fn}.service`);
  }

  async start(fn: string, release: ServiceRelease): Promise<void> {
    const unit = checkUnit(release.unit ?? this.#unitFor(fn));
    this.#units.set(fn, unit);
    await this.#systemctl("start", unit);
    this.#active.add(fn);
  }

  async stop(fn: string): Promise<void> {
    const unit = checkUnit(this.#units.get(fn) ?? this.#unitFor(fn));
    await this.#systemctl("stop", unit);
    this.#active.delete(fn);
  }

  isRunning(fn: string): boolean {
    return this.#active.has(fn);
  }

  /** Asks systemd whether the function's unit is active and remembers the answer. */
  async isActive(fn: string): Promise<boolean> {
    const unit = checkUnit(this.#units.get(fn) ?? this.#unitFor(fn));
    // is-active exits non-zero for every state but "active"; that is an answer, not an error.
    const result = await this.#runner(["is-active", unit]);
    const active = result.exitCode === 0;
    if (active) this.#active.add(fn);
    else this.#active.delete(fn);
    return active;
  }

  async #systemctl(verb: "start" | "stop", unit: string): Promise<void> {
    const result = await this.#runner([verb, unit]);
    if (result.exitCode !== 0) {
      const detail = result.stderr.trim() || `exit code ${result.exitCode ?? "none"}`;
      throw new Error(`systemctl ${verb} ${unit} failed: ${detail}`);
    }
  }
}

/**
 * Unit names come from descriptors; one starting with "-" would be read as a
 * systemctl option, and odd characters are never part of a real unit name.
 */
function checkUnit(unit: string): string {
  if (!/^[A-Za-z0-9:_.@\\][A-Za-z0-9:_.@\\-]*$/.test(unit)) {
    throw new Error(`invalid systemd unit name: ${JSON.stringify(unit)}`);
  }
  return unit;
}

/** Who runs a function's service on this till. */
export type ServiceExecutor = "process" | "systemd";

export interface ServiceManagerConfig {
  process?: ProcessServiceManagerOptions;
  systemd?: SystemdServiceManagerOptions;
}

/** Keyed by every executor, so adding one to the union fails to compile until it is handled here. */
const serviceManagerFactories: {
  readonly [K in ServiceExecutor]: (config: ServiceManagerConfig) => ServiceManager;
} = Object.freeze({
  process: (config: ServiceManagerConfig) => new ProcessServiceManager(config.process),
  systemd: (config: ServiceManagerConfig) => new SystemdServiceManager(config.systemd),
});

export function createServiceManager(
  executor: ServiceExecutor,
  config: ServiceManagerConfig = {},
): ServiceManager {
  return serviceManagerFactories[executor](config);
}
