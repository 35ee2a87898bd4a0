import { rename } from "node:fs/promises";
import { adoptable, killOrphan, readPidFile, removePidFile } from "./pid-file.js";
import {
  ProcessSupervisor,
  type SupervisedRelease,
  type SupervisorOptions,
} from "./process-supervisor.js";
import type { ServiceManager, ServiceRelease } from "./service-manager.js";
import { moveOutputFiles } from "./service-output.js";

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
    const options = this.#options.supervisorOptions?.(fn) ?? {};
    await next.supervisor.relocate(options.pidFile, options.output);
    this.#next.delete(fn);
    this.#services.set(fn, next);
  }

  async stopNext(fn: string): Promise<void> {
    await stopIn(this.#next, fn);
  }

  nextPid(fn: string): number | undefined {
    return this.#next.get(fn)?.supervisor.pid();
  }

  /**
   * At agent start: takes over the instance an earlier run left running if
   * it runs `release` (the `current` one), and ends every other leftover
   * instance of `fn` (another release, a reused pid, a second copy). The
   * current instance's pid file is preferred; a next instance is adopted only
   * when the current one is gone (a hand-over cut off right after its stop).
   */
  async adopt(fn: string, release: ServiceRelease | null): Promise<string[]> {
    const options = this.#options.supervisorOptions?.(fn) ?? {};
    const pidFile = options.pidFile;
    if (pidFile === undefined) return [];
    const notes: string[] = [];
    for (const [file, label] of [
      [pidFile, "service"],
      [nextPidFileOf(pidFile), "next instance"],
    ] as const) {
      const record = await readPidFile(file);
      if (record === undefined) continue;
      if (record === null) {
        await removePidFile(file);
        continue;
      }
      const check = this.#services.has(fn)
        ? { ok: false as const, reason: "another instance was adopted" }
        : adoptable(record, release?.cwd ?? null);
      if (check.ok && release !== null) {
        if (file !== pidFile) {
          await rename(file, pidFile);
          const { output } = nextOptions(options);
          if (output !== undefined && options.output !== undefined)
            await moveOutputFiles(output, options.output);
        }
        const supervisor = new ProcessSupervisor(options);
        const adopted = await supervisor.adopt(release, check.pid, check.startTime);
        if (adopted.ok) {
          this.#services.set(fn, { supervisor, release, started: Promise.resolve() });
          notes.push(`${fn}: adopted ${label} pid ${check.pid} running ${release.cwd}`);
          continue;
        }
        notes.push(`${fn}: cannot adopt pid ${check.pid}: ${adopted.reason}`);
      }
      const orphan = await killOrphan(file);
      if (orphan.killed) {
        const why = check.ok ? "" : ` (${check.reason})`;
        notes.push(
          `${fn}: ended ${label} process group ${orphan.pid} left by an earlier agent run${why}`,
        );
      }
    }
    return notes;
  }

  async detach(): Promise<void> {
    const all = [...this.#services.values(), ...this.#next.values()];
    this.#services.clear();
    this.#next.clear();
    await Promise.all(all.map((entry) => entry.supervisor.detach()));
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
      if (sameRelease(current.release, release)) {
        current.release = release;
        current.supervisor.refreshRelease(release);
        return current.started;
      }
      return Promise.reject(
        new Error(`${fn}${label} is already running from ${current.release.cwd}; stop it first`),
      );
    }
    const options = this.#options.supervisorOptions?.(fn) ?? {};
    const supervisor = new ProcessSupervisor(
      instances === this.#next ? nextOptions(options) : options,
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

/** A next instance has pid and output files of its own, beside the current one's. */
function nextOptions(options: SupervisorOptions): SupervisorOptions {
  const { pidFile, output } = options;
  return {
    ...options,
    ...(pidFile === undefined ? {} : { pidFile: nextPidFileOf(pidFile) }),
    ...(output === undefined
      ? {}
      : {
          output: {
            ...output,
            stdout: nextOutputOf(output.stdout),
            stderr: nextOutputOf(output.stderr),
          },
        }),
  };
}

/** `pos.out` gives `pos.next.out`. */
function nextOutputOf(path: string): string {
  const dot = path.lastIndexOf(".");
  const slash = path.lastIndexOf("/");
  return dot > slash ? `${path.slice(0, dot)}.next${path.slice(dot)}` : `${path}.next`;
}

/**
 * A release is its folder and start command; its environment may be given
 * again later (an adopted service's recipe env, known only to the step).
 */
function sameRelease(a: SupervisedRelease, b: SupervisedRelease): boolean {
  return a.cwd === b.cwd && a.start === b.start;
}

async function stopIn(instances: Map<string, Supervised>, fn: string): Promise<void> {
  const entry = instances.get(fn);
  if (entry === undefined) return;
  await entry.supervisor.stop();
  if (instances.get(fn) === entry) instances.delete(fn);
}
