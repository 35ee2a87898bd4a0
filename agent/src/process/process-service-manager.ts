import {
  ProcessSupervisor,
  type SupervisedRelease,
  type SupervisorOptions,
} from "./process-supervisor.js";
import type { ServiceManager, ServiceRelease } from "./service-manager.js";

export interface ProcessServiceManagerOptions {
  /** Per-function supervisor settings, e.g. its pid file and log routing. */
  supervisorOptions?: (fn: string) => SupervisorOptions;
}

interface Supervised {
  supervisor: ProcessSupervisor;
  release: ServiceRelease;
  started: Promise<void>;
}

/**
 * The pid file of a function's next instance (hand-over): `pos.pid` gives
 * `pos.next.pid`, so a restarted agent can tell the two apart.
 */
export function nextPidFileOf(pidFile: string): string {
  return pidFile.endsWith(".pid") ? `${pidFile.slice(0, -4)}.next.pid` : `${pidFile}.next`;
}

/**
 * Runs each function's service as a detached process, one supervisor per
 * instance: the current one, and during a hand-over a next one beside it.
 */
export class ProcessServiceManager implements ServiceManager {
  readonly supportsHandOver = true;
  readonly #options: ProcessServiceManagerOptions;
  readonly #services = new Map<string, Supervised>();
  readonly #next = new Map<string, Supervised>();

  constructor(options: ProcessServiceManagerOptions = {}) {
    this.#options = options;
  }

  start(fn: string, release: ServiceRelease): Promise<void> {
    return this.#startIn(this.#services, fn, release, "");
  }

  async stop(fn: string): Promise<void> {
    await stopIn(this.#services, fn);
  }

  isRunning(fn: string): boolean {
    return this.#services.get(fn)?.supervisor.isRunning() ?? false;
  }

  pid(fn: string): number | undefined {
    return this.#services.get(fn)?.supervisor.pid();
  }

  startNext(fn: string, release: ServiceRelease): Promise<void> {
    return this.#startIn(this.#next, fn, release, " (next instance)");
  }

  async promoteNext(fn: string): Promise<void> {
    const next = this.#next.get(fn);
    if (next === undefined) throw new Error(`${fn}: no next instance to promote`);
    if (!next.supervisor.isRunning()) {
      // Promoting a next instance that is crashing would stop a working service for nothing.
      throw new Error(`${fn}: next instance is ${next.supervisor.state()}, not running`);
    }
    await stopIn(this.#services, fn);
    const pidFile = this.#options.supervisorOptions?.(fn).pidFile;
    if (pidFile !== undefined) await next.supervisor.movePidFile(pidFile);
    this.#next.delete(fn);
    this.#services.set(fn, next);
  }

  async stopNext(fn: string): Promise<void> {
    await stopIn(this.#next, fn);
  }

  nextPid(fn: string): number | undefined {
    return this.#next.get(fn)?.supervisor.pid();
  }

  async detach(): Promise<void> {
    // Filled in with adoption; until then the agent's stop still stops services.
  }

  #startIn(
    instances: Map<string, Supervised>,
    fn: string,
    release: ServiceRelease,
    label: string,
  ): Promise<void> {
    const current = instances.get(fn);
    if (current !== undefined && current.supervisor.state() !== "stopped") {
      // Same release again is a harmless repeat; a different one while the
      // old runs would mean two versions at once, so the caller must stop first.
      if (sameRelease(current.release, release)) return current.started;
      return Promise.reject(
        new Error(`${fn}${label} is already running from ${current.release.cwd}; stop it first`),
      );
    }
    const base = this.#options.supervisorOptions?.(fn) ?? {};
    // The release's recipe env (issue 13) on top of what the agent gives every service.
    const options =
      release.env === undefined
        ? base
        : { ...base, env: { ...(base.env ?? process.env), ...release.env } };
    const supervisor = new ProcessSupervisor(
      instances === this.#next && options.pidFile !== undefined
        ? { ...options, pidFile: nextPidFileOf(options.pidFile) }
        : options,
    );
    const entry: Supervised = { supervisor, release, started: Promise.resolve() };
    entry.started = supervisor.start(release).then((result) => {
      if (result.ok) return;
      if (instances.get(fn) === entry) instances.delete(fn);
      throw new Error(`${fn}${label}: ${result.reason}`);
    });
    instances.set(fn, entry);
    return entry.started;
  }
}

function sameRelease(a: SupervisedRelease, b: SupervisedRelease): boolean {
  return a.cwd === b.cwd && a.start === b.start;
}

async function stopIn(instances: Map<string, Supervised>, fn: string): Promise<void> {
  const entry = instances.get(fn);
  if (entry === undefined) return;
  await entry.supervisor.stop();
  if (instances.get(fn) === entry) instances.delete(fn);
}
