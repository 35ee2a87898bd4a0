import { type ChildProcess, spawn } from "node:child_process";
import type { FileHandle } from "node:fs/promises";
import { waitAtMost } from "./clock.js";
import { watchPid } from "./process-group.js";
import { describeSpawnError, type LineListener, readLines } from "./run-command.js";
import { FileTail, openOutputFiles, type ServiceOutputFiles } from "./service-output.js";

/**
 * One running copy of a service as the supervisor sees it: either a child the
 * agent spawned, or a process an earlier agent run left running and this run
 * adopted. The supervisor's loop treats both alike.
 */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Instance {
  pid: number;
  /** Resolves when the process has ended (for an adopted one: found gone by polling). */
  exited: Promise<Exit>;
  /** After the end: the last output lines, bounded in time. */
  finishOutput(): Promise<void>;
  /** The agent leaves the process running: stop following it, hold nothing that keeps it tied. */
  leave(): Promise<void>;
  /** Its output files were renamed to `output`. */
  moved(output: ServiceOutputFiles): void;
}

export type Spawned = ({ ok: true } & Instance) | { ok: false; reason: string };

export interface InstanceOptions {
  env?: NodeJS.ProcessEnv;
  onLine?: LineListener;
  /** Output to files (survives the agent); without it, pipes (the service dies with the agent's reader). */
  output?: ServiceOutputFiles;
}

/**
 * How long an exited child's last piped output is awaited, so its final lines
 * (often the crash message) are logged before the state change that reports
 * it. Bounded because a leftover process could hold the pipes open.
 */
const DRAIN_MS = 1_000;
/** How often an adopted process is looked for in /proc. */
export const ADOPTED_POLL_MS = 250;

async function followFiles(options: InstanceOptions): Promise<FileTail[]> {
  const { output, onLine } = options;
  if (output === undefined) return [];
  return [
    await FileTail.follow(output.stdout, "stdout", onLine, output.maxBytes),
    await FileTail.follow(output.stderr, "stderr", onLine, output.maxBytes),
  ];
}

function moveAll(tails: FileTail[], output: ServiceOutputFiles): void {
  tails[0]?.moveTo(output.stdout);
  tails[1]?.moveTo(output.stderr);
}

async function stopAll(tails: FileTail[]): Promise<void> {
  await Promise.all(tails.map((tail) => tail.stop()));
}

export async function spawnInstance(
  cwd: string,
  path: string,
  options: InstanceOptions,
): Promise<Spawned> {
  let files: { stdout: FileHandle; stderr: FileHandle } | undefined;
  let tails: FileTail[] = [];
  let child: ChildProcess;
  try {
    if (options.output !== undefined) {
      files = await openOutputFiles(options.output);
      tails = await followFiles(options);
    }
    child = spawn(path, [], {
      cwd,
      env: options.env ?? process.env,
      // Own session and process group: stop and crash clean-up reach everything
      // it started, and neither the agent's terminal nor its exit takes it along.
      detached: true,
      stdio:
        files === undefined
          ? ["ignore", "pipe", "pipe"]
          : ["ignore", files.stdout.fd, files.stderr.fd],
    });
  } catch (error) {
    await closeFiles(files);
    await stopAll(tails);
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
  // The child has its own copies of the descriptors now.
  await closeFiles(files);
  if (startError !== undefined || child.pid === undefined) {
    child.stdout?.destroy();
    child.stderr?.destroy();
    await stopAll(tails);
    return { ok: false, reason: describeSpawnError(startError) };
  }
  const piped = Promise.all([
    readLines(child.stdout, "stdout", options.onLine),
    readLines(child.stderr, "stderr", options.onLine),
  ]);
  return {
    ok: true,
    pid: child.pid,
    exited,
    finishOutput: () => (files === undefined ? waitAtMost(piped, DRAIN_MS) : stopAll(tails)),
    leave: async () => {
      child.unref();
      await stopAll(tails);
    },
    moved: (output) => moveAll(tails, output),
  };
}

/** Takes over a live service an earlier agent run started (checked by the caller). */
export async function adoptInstance(
  pid: number,
  startTime: string,
  options: InstanceOptions,
  pollMs = ADOPTED_POLL_MS,
): Promise<Instance> {
  const tails = await followFiles(options);
  const watch = new AbortController();
  // Not our child: its exit status went to whoever reaped it.
  const exited = watchPid(pid, startTime, pollMs, watch.signal).then(() => ({
    code: null,
    signal: null,
  }));
  return {
    pid,
    exited,
    finishOutput: () => stopAll(tails),
    leave: async () => {
      watch.abort();
      await stopAll(tails);
    },
    moved: (output) => moveAll(tails, output),
  };
}

async function closeFiles(files: { stdout: FileHandle; stderr: FileHandle } | undefined) {
  await files?.stdout.close().catch(() => {});
  await files?.stderr.close().catch(() => {});
}
