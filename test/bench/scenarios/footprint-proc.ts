import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";

/**
 * What a process costs, read from Linux's /proc: resident memory and CPU
 * time. Shared by the agent's footprint and (later) the coordinator's, which
 * is measured the same way under the fleet simulator.
 */

const run = promisify(execFile);

/** Resident set size of `pid` in bytes (`VmRSS` of /proc/PID/status). */
export async function processRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null)
    throw new Error(`no VmRSS in /proc/${pid}/status (a zombie or kernel thread?)`);
  return Number(match[1]) * 1024;
}

export interface ProcessMemory {
  /** VmRSS, bytes. */
  rss: number;
  /** RssAnon: heap, stacks, malloc: what the process itself allocated. */
  anon: number;
  /** RssFile: pages of mapped files resident (the node binary's code and data, mostly). */
  file: number;
}

/** VmRSS split into anonymous and file-backed pages (/proc/PID/status). */
export async function processMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, "m").exec(status);
    if (match === null)
      throw new Error(`no ${field} in /proc/${pid}/status (a zombie or kernel thread?)`);
    return Number(match[1]) * 1024;
  };
  return { rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile") };
}

/** The arguments a process was started with (/proc/PID/cmdline), argv[0] first. */
export async function processArgs(pid: number): Promise<string[]> {
  const args = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
  return args.at(-1) === "" ? args.slice(0, -1) : args;
}

/** The environment a process was started with (/proc/PID/environ). */
export async function processEnvironment(pid: number): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const entry of (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0")) {
    const equals = entry.indexOf("=");
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return env;
}

export interface CpuTimes {
  /** utime + stime of the process itself, in seconds. */
  self: number;
  /** cutime + cstime: children it has waited for (health checks, hooks), in seconds. */
  children: number;
}

let clockTicks: Promise<number> | undefined;

/** Clock ticks per second (`getconf CLK_TCK`), almost always 100 on Linux. */
function ticksPerSecond(): Promise<number> {
  clockTicks ??= run("getconf", ["CLK_TCK"]).then(
    ({ stdout }) => {
      const ticks = Number(stdout.trim());
      return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
    },
    () => 100,
  );
  return clockTicks;
}

/** CPU time of `pid` and of its reaped children, from /proc/PID/stat. */
export async function processCpuTimes(pid: number): Promise<CpuTimes> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Field 2 (comm) is in parentheses and may itself hold spaces or ")": split after the last one.
  const rest = stat
    .slice(stat.lastIndexOf(")") + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); utime, stime, cutime, cstime are fields 14-17.
  const field = (n: number) => {
    const value = Number(rest[n - 3]);
    if (!Number.isFinite(value)) throw new Error(`/proc/${pid}/stat: field ${n} unreadable`);
    return value;
  };
  const hz = await ticksPerSecond();
  return {
    self: (field(14) + field(15)) / hz,
    children: (field(16) + field(17)) / hz,
  };
}

/** utime + stime of `pid` itself, in seconds (tick resolution: 10 ms). */
export async function processCpuSeconds(pid: number): Promise<number> {
  return (await processCpuTimes(pid)).self;
}

/**
 * Pids of live processes whose command line contains every one of `needles`
 * (e.g. the agent's CLI path and its config path), leaving out this process.
 */
export async function findPids(needles: readonly string[]): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const args = (await readFile(`/proc/${entry}/cmdline`, "utf8")).split("\0");
      if (needles.every((needle) => args.some((arg) => arg.includes(needle))))
        found.push(Number(entry));
    } catch {
      // gone already, or not ours to see
    }
  }
  return found;
}
