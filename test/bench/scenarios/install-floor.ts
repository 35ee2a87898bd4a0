import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { get } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { withTimeout } from "../../support/wait.js";

/**
 * The floor of an install: what a shell script does with the same pack from
 * the same file server, with real processes and nothing else (no journal, no
 * fsync, no safety checks, no status reports):
 *
 *   curl -s -o FILE URL; sha256sum FILE; mkdir NEW; tar -xzf FILE -C NEW; mv NEW TARGET
 */

export interface FloorTimes {
  /** "curl", or "node http GET" when curl is not installed. */
  downloader: string;
  downloadMs: number;
  verifyMs: number;
  extractMs: number;
  moveMs: number;
  totalMs: number;
}

/** Every child process of the floor gets this long; a wedged one fails the scenario. */
const STEP_TIMEOUT_MS = 300_000;

/** Runs `command args`, resolving with its stdout; rejects on a non-zero exit or after `timeoutMs`. */
export function runProcess(
  command: string,
  args: readonly string[],
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<string> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve(stdout);
      else
        reject(new Error(`${command} ${args.join(" ")}: exit ${code ?? signal}: ${stderr.trim()}`));
    });
  });
  return withTimeout(done, timeoutMs, `${command} ${args.join(" ")}`).catch((error: Error) => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    throw error;
  });
}

let curlPresent: Promise<boolean> | undefined;

/** Whether `curl` can be run here. */
export function hasCurl(): Promise<boolean> {
  curlPresent ??= runProcess("curl", ["--version"], 10_000).then(
    () => true,
    () => false,
  );
  return curlPresent;
}

/** The fallback downloader: one GET on a fresh connection, streamed to `file`. */
function nodeGet(url: string, file: string): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        return;
      }
      pipeline(res, createWriteStream(file)).then(resolve, reject);
    });
    req.on("error", reject);
  });
  return withTimeout(done, STEP_TIMEOUT_MS, `GET ${url}`);
}

/**
 * Runs the shell floor once in `dir` (created, and removed afterwards) and
 * times each part. Throws when the download does not hash to `sha256`, so a
 * floor can never be fast by being wrong.
 */
export async function shellFloor(url: string, sha256: string, dir: string): Promise<FloorTimes> {
  const curl = await hasCurl();
  await mkdir(dir, { recursive: true });
  const file = join(dir, "pack.tgz");
  const staging = join(dir, "new");
  const target = join(dir, "target");
  try {
    const t0 = performance.now();
    if (curl) await runProcess("curl", ["-s", "-f", "-o", file, url]);
    else await nodeGet(url, file);
    const t1 = performance.now();
    const sum = await runProcess("sha256sum", [file]);
    const t2 = performance.now();
    await mkdir(staging);
    await runProcess("tar", ["-xzf", file, "-C", staging]);
    const t3 = performance.now();
    await runProcess("mv", [staging, target]);
    const t4 = performance.now();
    const actual = sum.split(/\s/)[0];
    if (actual !== sha256) throw new Error(`floor: sha256 of ${url} is ${actual}, want ${sha256}`);
    return {
      downloader: curl ? "curl" : "node http GET",
      downloadMs: t1 - t0,
      verifyMs: t2 - t1,
      extractMs: t3 - t2,
      moveMs: t4 - t3,
      totalMs: t4 - t0,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
