import { Backoff, type BackoffPolicy } from "./backoff.js";
import { type Clock, systemClock, untilAborted } from "./clock.js";
import { removePidFile, writePidFile } from "./pid-file.js";
import { terminateGroup, waitGroupGone } from "./process-group.js";
import {
  describeExit,
  type LineListener,
  resolveReleaseCommand,
  runCommand,
} from "./run-command.js";
import {
  adoptInstance,
  type Exit,
  type Instance,
  type Spawned,
  spawnInstance,
} from "./service-instance.js";
import { moveOutputFiles, type ServiceOutputFiles } from "./service-output.js";

// Re-exported: the supervisor's callers use these to configure and clean up after it.
export { type BackoffPolicy, DEFAULT_BACKOFF } from "./backoff.js";
export { killOrphan } from "./pid-file.js";

/** What the supervisor needs from a release's descriptor; paths are relative to `cwd`. */
export interface SupervisedRelease {
  cwd: string;
  start: string;
  stop?: string;
  /**
   * Variables for this release's service and stop command, over the
   * supervisor's `env` (e.g. a recipe's): a next instance keeps its own.
   */
  env?: Record<string, string>;
}

export type SupervisorState = "stopped" | "starting" | "running" | "backoff" | "stopping";

export interface StateChange {
  from: SupervisorState;
  to: SupervisorState;
  reason: string;
}

export const DEFAULT_STOP_GRACE_MS = 10_000;
export const DEFAULT_STOP_COMMAND_TIMEOUT_MS = 30_000;

export interface SupervisorOptions {
  /** Drives backoff and uptime; real time by default. */
  clock?: Clock;
  backoff?: Partial<BackoffPolicy>;
  /** Between SIGTERM and SIGKILL, on stop and for leftovers of a crashed run. */
  stopGraceMs?: number;
  stopCommandTimeoutMs?: number;
  /** Where the running child's pid (and release folder) is recorded, for adoption or `killOrphan`. */
  pidFile?: string;
  /**
   * Where the service's stdout and stderr go. With files the service outlives
   * the agent (it can be left running by `detach` and adopted later); without,
   * its output comes through pipes that end with the agent.
   */
  output?: ServiceOutputFiles;
  /** How often an adopted process is looked for (it is not our child: no exit event). */
  adoptedPollMs?: number;
  env?: NodeJS.ProcessEnv;
  onLine?: LineListener;
  onStateChange?: (change: StateChange) => void;
}

export interface StartResult {
  ok: boolean;
  reason: string;
}

/** An adopted process's exit status went to whoever reaped it. */
function describeEnd(exit: Exit): string {
  return exit.code === null && exit.signal === null
    ? "ended (exit status unknown: adopted process)"
    : describeExit(exit.code, exit.signal);
}

/**
 * Keeps one service's start command running.
 *
 * All work for one `start()` happens in a single loop (`#run`): spawn, wait
 * for exit, clean up, back off, spawn again. Because only that loop spawns,
 * and it spawns only after the previous child and its group are gone, two
 * copies of a service can never run at once; `start()` is refused until the
 * loop has finished, i.e. until `stop()` has resolved.
 */
export class ProcessSupervisor {
  readonly #clock: Clock;
  readonly #graceMs: number;
  readonly #stopCommandTimeoutMs: number;
  readonly #options: SupervisorOptions;
  #state: SupervisorState = "stopped";
  /** Pid of the live child, if any. */
  #pid: number | undefined;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  /** Set by `detach`: the loop ends without stopping the service. */
  #leaving = false;
  #release: SupervisedRelease | undefined;
  #output: ServiceOutputFiles | undefined;
  /** The live copy, if any. */
  #instance: Instance | undefined;
  /** Where the live child's pid is recorded; moves when a next instance is promoted. */
  #pidFile: string | undefined;

  constructor(options: SupervisorOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#graceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.#stopCommandTimeoutMs = options.stopCommandTimeoutMs ?? DEFAULT_STOP_COMMAND_TIMEOUT_MS;
    this.#pidFile = options.pidFile;
    this.#output = options.output;
  }

  pidFile(): string | undefined {
    return this.#pidFile;
  }

  /**
   * Records the pid under `pidFile` and writes output to `output` from now on
   * (a promoted next instance takes over the current one's names). The new
   * pid file is written before the old one goes, so a crash in between
   * leaves the pid findable.
   */
  async relocate(
    pidFile: string | undefined,
    output: ServiceOutputFiles | undefined,
  ): Promise<void> {
    const old = this.#pidFile;
    this.#pidFile = pidFile;
    if (old !== pidFile) {
      if (pidFile !== undefined && this.#pid !== undefined)
        await writePidFile(pidFile, this.#pid, this.#release?.cwd);
      if (old !== undefined) await removePidFile(old).catch(() => {});
    }
    const from = this.#output;
    this.#output = output;
    if (from !== undefined && output !== undefined) {
      await moveOutputFiles(from, output);
      this.#instance?.moved(output);
    }
  }

  /**
   * The same release folder asked for again (e.g. with its recipe's
   * environment, after an adoption that could not know it): used from the
   * next restart and for the stop command. Another folder is refused.
   */
  refreshRelease(release: SupervisedRelease): boolean {
    const current = this.#release;
    if (current === undefined || current.cwd !== release.cwd || current.start !== release.start)
      return false;
    this.#release = release;
    return true;
  }

  state(): SupervisorState {
    return this.#state;
  }

  /** True while a child process is up (not while backing off between crashes). */
  isRunning(): boolean {
    return this.#state === "running";
  }

  pid(): number | undefined {
    return this.#pid;
  }

  /**
   * Starts supervising. Resolves once the first spawn has succeeded or failed.
   * A first spawn that fails (missing or non-executable file) is not retried:
   * that will not fix itself, and the caller needs the error now. Refused
   * unless stopped, so calling it twice never starts a second copy.
   */
  start(release: SupervisedRelease): Promise<StartResult> {
    return this.#begin(release, undefined);
  }

  /**
   * Takes over a service an earlier agent run left running (the caller has
   * checked pid, start time and release: `adoptable`). It is watched by
   * polling and, should it end, started again like a crashed child.
   */
  adopt(release: SupervisedRelease, pid: number, startTime: string): Promise<StartResult> {
    return this.#begin(release, { pid, startTime });
  }

  /**
   * Stops supervising and leaves the service running (the agent is exiting;
   * the next run adopts it). Needs output files: a piped child would lose its
   * reader. Resolves once the loop has ended; the pid file stays.
   */
  detach(): Promise<void> {
    if (this.#state === "stopped") return Promise.resolve();
    if (this.#state !== "stopping") {
      this.#leaving = true;
      this.#abort?.abort();
    }
    return this.#loop ?? Promise.resolve();
  }

  #begin(
    release: SupervisedRelease,
    adopted: { pid: number; startTime: string } | undefined,
  ): Promise<StartResult> {
    if (this.#state !== "stopped") {
      return Promise.resolve({ ok: false, reason: `refused: supervisor is ${this.#state}` });
    }
    const resolved = resolveReleaseCommand(release.cwd, release.start);
    if (!resolved.ok) return Promise.resolve({ ok: false, reason: resolved.reason });
    const abort = new AbortController();
    this.#abort = abort;
    this.#leaving = false;
    this.#release = release;
    this.#transition("starting", adopted === undefined ? "start requested" : "adopting");
    return new Promise((reportStart) => {
      const run = this.#run(release, resolved.path, abort.signal, reportStart, adopted);
      this.#loop = run.catch((error) => {
        // Not expected (failures are results, not exceptions), but if the loop
        // dies, stop() must still resolve and the state must say so.
        this.#pid = undefined;
        reportStart({ ok: false, reason: `supervisor failed: ${String(error)}` });
        this.#transition("stopped", `supervisor failed: ${String(error)}`);
      });
    });
  }

  /**
   * Stops the service: the descriptor's stop command first (if any; if it
   * succeeds the service gets the grace period to exit by itself), then
   * SIGTERM to whatever remains of the process group and SIGKILL after the
   * grace period. Resolves only once the child and its group are gone.
   */
  stop(): Promise<void> {
    if (this.#state === "stopped") return Promise.resolve();
    // A stop overrides a detach still under way: the caller wants it gone.
    this.#leaving = false;
    if (this.#state !== "stopping") {
      this.#transition("stopping", "stop requested");
      this.#abort?.abort();
    }
    return this.#loop ?? Promise.resolve();
  }

  async #run(
    release: SupervisedRelease,
    path: string,
    signal: AbortSignal,
    reportStart: (result: StartResult) => void,
    adopted: { pid: number; startTime: string } | undefined,
  ): Promise<void> {
    const backoff = new Backoff(this.#options.backoff);
    let delayMs = 0;
    let first = true;
    let stopReason = "stopped";
    let adopt = adopted;
    while (!signal.aborted) {
      const spawned: Spawned =
        adopt === undefined
          ? await spawnInstance(release.cwd, path, this.#instanceOptions(this.#release ?? release))
          : { ok: true, ...(await this.#adopted(adopt.pid, adopt.startTime)) };
      const how = adopt === undefined ? "started" : "adopted";
      adopt = undefined;
      if (!spawned.ok) {
        if (first) {
          reportStart({ ok: false, reason: spawned.reason });
          this.#transition("stopped", spawned.reason);
          return;
        }
        if (signal.aborted) break;
        delayMs = backoff.next();
        this.#transition("backoff", spawned.reason);
      } else {
        const instance: Instance = spawned;
        const { pid, exited } = instance;
        this.#pid = pid;
        this.#instance = instance;
        const pidNote = how === "adopted" ? "" : await this.#recordPid(pid, release.cwd);
        if (first) reportStart({ ok: true, reason: `${how} pid ${pid}` });
        first = false;
        const note = `${how === "adopted" ? "adopted " : ""}pid ${pid}${pidNote}`;
        if (!signal.aborted) this.#transition("running", note);
        const startedAt = this.#clock.now();
        const exit = await untilAborted(exited, signal);
        if (exit === undefined && this.#leaving) {
          await instance.leave();
          this.#pid = undefined;
          this.#instance = undefined;
          stopReason = `detached: pid ${pid} left running`;
          break;
        }
        if (exit === undefined) {
          stopReason = await this.#shutdown(this.#release ?? release, pid, exited);
          await instance.finishOutput();
          this.#pid = undefined;
          this.#instance = undefined;
          break;
        }
        this.#pid = undefined;
        this.#instance = undefined;
        delayMs = backoff.next(this.#clock.now() - startedAt);
        const reason = describeEnd(exit);
        // Processes the crashed child started may still hold ports or files;
        // they must be gone before a new copy starts.
        await terminateGroup(pid, this.#graceMs);
        await instance.finishOutput();
        await this.#forgetPid();
        if (signal.aborted) break;
        this.#transition("backoff", reason);
      }
      first = false;
      await this.#clock.sleep(delayMs, signal);
    }
    if (first) reportStart({ ok: false, reason: "stopped before the service started" });
    if (this.#leaving && !stopReason.startsWith("detached")) stopReason = "detached";
    this.#transition("stopped", stopReason);
  }

  #instanceOptions(release?: SupervisedRelease) {
    const { onLine } = this.#options;
    return { env: envFor(this.#options.env, release), onLine, output: this.#output };
  }

  #adopted(pid: number, startTime: string): Promise<Instance> {
    return adoptInstance(pid, startTime, this.#instanceOptions(), this.#options.adoptedPollMs);
  }

  /** Stop sequence for a live child; returns the reason for the final state change. */
  async #shutdown(release: SupervisedRelease, pid: number, exited: Promise<Exit>): Promise<string> {
    const notes: string[] = [];
    if (release.stop !== undefined) {
      const result = await runCommand({
        command: release.stop,
        cwd: release.cwd,
        timeoutMs: this.#stopCommandTimeoutMs,
        env: { ...envFor(this.#options.env, release), TILLROLL_SERVICE_PID: String(pid) },
        onLine: this.#options.onLine,
      });
      notes.push(`stop command ${result.reason}`);
      // A stop command usually asks for a graceful shutdown and returns before
      // it is complete; signalling at once would cut that short. A failed
      // stop command gets no such credit.
      if (result.ok) await waitGroupGone(pid, this.#graceMs);
    }
    // Whatever the stop command left (or everything, without one) gets signals.
    const outcome = await terminateGroup(pid, this.#graceMs);
    notes.push(
      {
        "already-gone": "process already gone",
        terminated: "terminated by SIGTERM",
        killed: `killed with SIGKILL after ${this.#graceMs} ms grace`,
        unkillable: "still alive after SIGKILL",
      }[outcome],
    );
    // SIGKILL cannot be ignored, so the child's exit follows (at the latest
    // when the kernel lets go of it); waiting for it is what makes stop()
    // trustworthy and a following start() safe.
    const exit = await exited;
    notes.push(describeEnd(exit));
    await this.#forgetPid();
    return `stopped (${notes.join(", ")})`;
  }

  async #recordPid(pid: number, release: string): Promise<string> {
    if (this.#pidFile === undefined) return "";
    try {
      await writePidFile(this.#pidFile, pid, release);
      return "";
    } catch (error) {
      // The service runs fine without it; only orphan clean-up is weakened.
      return ` (pid file not written: ${(error as Error).message})`;
    }
  }

  async #forgetPid(): Promise<void> {
    if (this.#pidFile === undefined) return;
    await removePidFile(this.#pidFile).catch(() => {});
  }

  #transition(to: SupervisorState, reason: string): void {
    const from = this.#state;
    this.#state = to;
    try {
      this.#options.onStateChange?.({ from, to, reason });
    } catch {
      // A faulty listener must not break supervision of a till's service.
    }
  }
}

/** The supervisor's env with the release's recipe env on top (issue 13). */
function envFor(
  base: NodeJS.ProcessEnv | undefined,
  release: SupervisedRelease | undefined,
): NodeJS.ProcessEnv | undefined {
  if (release?.env === undefined) return base;
  return { ...(base ?? process.env), ...release.env };
}
