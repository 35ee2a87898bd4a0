import { type ChildProcess, spawn } from "node:child_process";
import { isAbsolute, relative, resolve as resolvePath, sep } from "node:path";
import type { Readable } from "node:stream";
import { waitAtMost } from "./clock.js";
import { LineSplitter } from "./line-splitter.js";
import { removePidFile, writePidFile } from "./pid-file.js";
import { type TerminateOutcome, terminateGroup } from "./process-group.js";

/** Which of the child's output streams a line came from. */
export type OutputStream = "stdout" | "stderr";

/** Receives the child's output one line at a time. */
export type LineListener = (line: string, stream: OutputStream) => void;

export interface RunCommandOptions {
  /** Executable path relative to `cwd` (the release folder); run directly, no shell. */
  command: string;
  /** Release folder: working directory and the folder `command` must stay inside. */
  cwd: string;
  args?: readonly string[];
  /** Full environment of the child; defaults to the agent's own. */
  env?: NodeJS.ProcessEnv;
  /** After this long the whole process group is terminated. */
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL when the command is cut short. */
  killGraceMs?: number;
  onLine?: LineListener;
  /** Aborting terminates the command like a timeout does. */
  signal?: AbortSignal;
  /**
   * Where the group id is recorded while the command runs, so an agent that
   * crashed mid-hook ends the group at its next start (`killOrphan`) instead
   * of running the hook a second time beside the first.
   */
  pidFile?: string;
  /** Told when processes the command started outlived it and were ended (for the install log). */
  onLeftover?: (message: string) => void;
}

export interface RunCommandResult {
  /** Exited by itself with code 0. */
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Human-readable outcome for logs and status reports, e.g. "exited with code 3". */
  reason: string;
}

export const DEFAULT_KILL_GRACE_MS = 5_000;

/**
 * How long output is still read after the command exited. A hook that
 * backgrounds a process hands it our pipes; we must not wait for that process
 * to finish, but the last lines of the hook itself usually arrive just after
 * its exit.
 */
const DRAIN_MS = 1_000;

/** Largest delay setTimeout accepts; longer values would fire immediately. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs a pack command (hook, stop or health command) to completion.
 *
 * Never throws for a failing command: the caller decides what a failure
 * means (roll back, mark unhealthy), so every outcome is a result value.
 */
export async function runCommand(options: RunCommandOptions): Promise<RunCommandResult> {
  const resolved = resolveReleaseCommand(options.cwd, options.command);
  if (!resolved.ok) return notRun(resolved.reason);
  if (options.signal?.aborted) return notRun("aborted before start");

  let child: ChildProcess;
  try {
    child = spawn(resolved.path, options.args ?? [], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      // Own process group, so a timeout can kill everything the command started.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    return notRun(describeSpawnError(error));
  }
  return await supervise(child, options);
}

async function supervise(
  child: ChildProcess,
  options: RunCommandOptions,
): Promise<RunCommandResult> {
  // Subscribe before anything can be emitted; 'error' after a successful spawn
  // (a failed kill) must not crash the agent as an unhandled event.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const started = new Promise<Error | undefined>((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.on("error", (error) => resolve(error));
  });
  const streamsClosed = [
    readLines(child.stdout, "stdout", options.onLine),
    readLines(child.stderr, "stderr", options.onLine),
  ];

  const startError = await started;
  if (startError !== undefined || child.pid === undefined) {
    destroyStreams(child);
    return notRun(describeSpawnError(startError));
  }
  const pgid = child.pid;
  if (options.pidFile !== undefined)
    await writePidFile(options.pidFile, pgid).catch(() => undefined);

  let timedOut = false;
  let aborted = false;
  let termination: Promise<TerminateOutcome> | undefined;
  const terminate = () => {
    termination ??= terminateGroup(pgid, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
  };
  const timeoutMs = Math.min(Math.max(0, options.timeoutMs), MAX_TIMER_MS);
  const timer = setTimeout(() => {
    timedOut = true;
    terminate();
  }, timeoutMs);
  const onAbort = () => {
    aborted = true;
    terminate();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const exit = await exited;
  clearTimeout(timer);
  options.signal?.removeEventListener("abort", onAbort);
  // The command is over, so is everything it started: a hook that forks a
  // daemon (`sleep 1000 &`) must not leave it behind, or every re-run (after
  // a crash, a retry) would add one more. SIGTERM, then SIGKILL after the
  // grace. (A process that left the group with setsid() is beyond reach.)
  terminate();
  const ended = await termination;
  if (ended === "terminated" || ended === "killed" || ended === "unkillable") {
    if (!timedOut && !aborted)
      options.onLeftover?.(`ended processes the command left running (${ended})`);
  }
  if (options.pidFile !== undefined) await removePidFile(options.pidFile).catch(() => undefined);
  await waitAtMost(Promise.all(streamsClosed), DRAIN_MS);
  destroyStreams(child);

  const ok = !timedOut && !aborted && exit.code === 0;
  let reason: string;
  if (timedOut) reason = `timed out after ${options.timeoutMs} ms`;
  else if (aborted) reason = "aborted";
  else reason = describeExit(exit.code, exit.signal);
  return { ok, exitCode: exit.code, signal: exit.signal, timedOut, reason };
}

/** Feeds a child's stream to `onLine`; resolves when the stream is closed. */
export function readLines(
  stream: Readable | null,
  name: OutputStream,
  onLine: LineListener | undefined,
): Promise<void> {
  if (stream === null) return Promise.resolve();
  const splitter = new LineSplitter((line) => onLine?.(line, name));
  // Decoding in the stream keeps multi-byte characters split across chunks intact.
  stream.setEncoding("utf8");
  stream.on("data", (text: string) => splitter.push(text));
  return new Promise((resolve) => {
    stream.once("close", () => {
      splitter.flush();
      resolve();
    });
    // Errors on a pipe only mean no more output; the exit status tells the story.
    stream.on("error", () => {});
  });
}

function destroyStreams(child: ChildProcess): void {
  child.stdout?.destroy();
  child.stderr?.destroy();
}

function notRun(reason: string): RunCommandResult {
  return { ok: false, exitCode: null, signal: null, timedOut: false, reason };
}

/** "exited with code 3" / "killed by signal SIGKILL", as used in logs and state changes. */
export function describeExit(code: number | null, signal: string | null): string {
  return code !== null ? `exited with code ${code}` : `killed by signal ${signal ?? "unknown"}`;
}

/** "could not start: ENOENT": the errno code is what an operator can act on. */
export function describeSpawnError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail =
    typeof code === "string" ? code : error instanceof Error ? error.message : "unknown error";
  return `could not start: ${detail}`;
}

/** Outcome of resolving a descriptor command against its release folder. */
export type ResolvedCommand = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Resolves a descriptor command (e.g. `bin/start`) against the release folder.
 *
 * Descriptor paths are relative by contract; a command that leaves the release
 * folder (`../../usr/bin/rm`, `/bin/sh`) would let one pack run another pack's
 * files or system binaries under the agent's privileges, so it is refused
 * rather than normalised. The check is lexical on purpose: symlinks *inside*
 * the release are pack content, which the pack author controls anyway, and the
 * release folder itself is often reached through a `current` symlink.
 */
export function resolveReleaseCommand(cwd: string, command: string): ResolvedCommand {
  if (command.trim() === "") return { ok: false, reason: "refused: empty command" };
  if (command.includes("\0")) return { ok: false, reason: "refused: command contains NUL" };
  if (isAbsolute(command)) {
    return { ok: false, reason: `refused: command must be relative to the release: ${command}` };
  }
  const root = resolvePath(cwd);
  const path = resolvePath(root, command);
  const rel = relative(root, path);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    return { ok: false, reason: `refused: command escapes the release folder: ${command}` };
  }
  return { ok: true, path };
}
