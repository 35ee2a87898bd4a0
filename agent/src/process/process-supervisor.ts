import { type ChildProcess, spawn } from "node:child_process";
import { Backoff, type BackoffPolicy } from "./backoff.js";
import { type Clock, systemClock, untilAborted, waitAtMost } from "./clock.js";
import { removePidFile, writePidFile } from "./pid-file.js";
import { terminateGroup, waitGroupGone } from "./process-group.js";
import {
  describeExit,
  describeSpawnError,
  type LineListener,
  readLines,
  resolveReleaseCommand,
  runCommand,
} from "./run-command.js";

// Re-exported: the supervisor's callers use these to configure and clean up after it.
export { type BackoffPolicy, DEFAULT_BACKOFF } from "./backoff.js";
export { killOrphan } from "./pid-file.js";

/** What the supervisor needs from a release's descriptor; paths are relative to `cwd`. */
export interface SupervisedRelease {
  cwd: string;
  start: string;
  stop?: string;
}

export type SupervisorState = "stopped" | "starting" | "running" | "backoff" | "stopping";

export interface StateChange {
  from: SupervisorState;
  to: SupervisorState;
  reason: string;
}

export const DEFAULT_STOP_GRACE_MS = 10_000;
export const DEFAULT_STOP_COMMAND_TIMEOUT_MS = 30_000;
/**
 * How long an exited child's last output is awaited, so its final lines (often
 * the crash message) are logged before the state change that reports it.
 * Bounded because a leftover process could hold the pipes open.
 */
const DRAIN_MS = 1_000;

export interface SupervisorOptions {
  /** Drives backoff and uptime; real time by default. */
  clock?: Clock;
  backoff?: Partial<BackoffPolicy>;
  /** Between SIGTERM and SIGKILL, on stop and for leftovers of a crashed run. */
  stopGraceMs?: number;
  stopCommandTimeoutMs?: number;
  /** Where the running child's pid is recorded for `killOrphan`. */
  pidFile?: string;
  env?: NodeJS.ProcessEnv;
  onLine?: LineListener;
  onStateChange?: (change: StateChange) => void;
}

export interface StartResult {
  ok: boolean;
  reason: string;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

type Spawned =
  | { ok: true; pid: number; exited: Promise<Exit>; output: Promise<unknown> }
  | { ok: false; reason: string };

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
  /** Where the live child's pid is recorded; moves when a next instance is promoted. */
  #pidFile: string | undefined;

  constructor(options: SupervisorOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#graceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.#stopCommandTimeoutMs = options.stopCommandTimeoutMs ?? DEFAULT_STOP_COMMAND_TIMEOUT_MS;
    this.#pidFile = options.pidFile;
  }

  pidFile(): string | undefined {
    return this.#pidFile;
  }

  /**
   * Records the pid under `path` from now on (a promoted next instance takes
   * over the current one's pid file). The new file is written before the old
   * one goes, so a crash in between leaves the pid findable.
   */
  async movePidFile(path: string): Promise<void> {
    const old = this.#pidFile;
    this.#pidFile = path;
    if (old === path) return;
    if (this.#pid !== undefined) await writePidFile(path, this.#pid);
    if (old !== undefined) await removePidFile(old).catch(() => {});
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
    if (this.#state !== "stopped") {
      return Promise.resolve({ ok: false, reason: `refused: supervisor is ${this.#state}` });
    }
    const resolved = resolveReleaseCommand(release.cwd, release.start);
    if (!resolved.ok) return Promise.resolve({ ok: false, reason: resolved.reason });
    const abort = new AbortController();
    this.#abort = abort;
    this.#transition("starting", "start requested");
    return new Promise((reportStart) => {
      this.#loop = this.#run(release, resolved.path, abort.signal, reportStart).catch((error) => {
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
  ): Promise<void> {
    const backoff = new Backoff(this.#options.backoff);
    let delayMs = 0;
    let first = true;
    let stopReason = "stopped";
    while (!signal.aborted) {
      const spawned = await this.#spawn(release, path);
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
        const { pid, exited, output } = spawned;
        this.#pid = pid;
        const pidNote = await this.#recordPid(pid);
        if (first) reportStart({ ok: true, reason: `started pid ${pid}` });
        first = false;
        if (!signal.aborted) this.#transition("running", `pid ${pid}${pidNote}`);
        const startedAt = this.#clock.now();
        const exit = await untilAborted(exited, signal);
        if (exit === undefined) {
          stopReason = await this.#shutdown(release, pid, exited);
          await waitAtMost(output, DRAIN_MS);
          this.#pid = undefined;
          break;
        }
        this.#pid = undefined;
        delayMs = backoff.next(this.#clock.now() - startedAt);
        const reason = describeExit(exit.code, exit.signal);
        // Processes the crashed child started may still hold ports or files;
        // they must be gone before a new copy starts.
        await terminateGroup(pid, this.#graceMs);
        await waitAtMost(output, DRAIN_MS);
        await this.#forgetPid();
        if (signal.aborted) break;
        this.#transition("backoff", reason);
      }
      first = false;
      await this.#clock.sleep(delayMs, signal);
    }
    if (first) reportStart({ ok: false, reason: "stopped before the service started" });
    this.#transition("stopped", stopReason);
  }

  async #spawn(release: SupervisedRelease, path: string): Promise<Spawned> {
    let child: ChildProcess;
    try {
      child = spawn(path, [], {
        cwd: release.cwd,
        env: this.#options.env ?? process.env,
        // Own process group: stop and crash clean-up reach everything it started,
        // and the service is not killed along with the agent's terminal group.
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      return { ok: false, reason: describeSpawnError(error) };
    }
    const exited = new Promise<Exit>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    // A later 'error' (e.g. a failed kill) must not become an unhandled event.
    const startError = await new Promise<Error | undefined>((resolve) => {
      child.once("spawn", () => resolve(undefined));
      child.on("error", (error) => resolve(error));
    });
    if (startError !== undefined || child.pid === undefined) {
      child.stdout?.destroy();
      child.stderr?.destroy();
      return { ok: false, reason: describeSpawnError(startError) };
    }
    const output = Promise.all([
      readLines(child.stdout, "stdout", this.#options.onLine),
      readLines(child.stderr, "stderr", this.#options.onLine),
    ]);
    return { ok: true, pid: child.pid, exited, output };
  }

  /** Stop sequence for a live child; returns the reason for the final state change. */
  async #shutdown(release: SupervisedRelease, pid: number, exited: Promise<Exit>): Promise<string> {
    const notes: string[] = [];
    if (release.stop !== undefined) {
      const result = await runCommand({
        command: release.stop,
        cwd: release.cwd,
        timeoutMs: this.#stopCommandTimeoutMs,
        env: { ...(this.#options.env ?? process.env), TILLROLL_SERVICE_PID: String(pid) },
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
    notes.push(describeExit(exit.code, exit.signal));
    await this.#forgetPid();
    return `stopped (${notes.join(", ")})`;
  }

  async #recordPid(pid: number): Promise<string> {
    if (this.#pidFile === undefined) return "";
    try {
      await writePidFile(this.#pidFile, pid);
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
