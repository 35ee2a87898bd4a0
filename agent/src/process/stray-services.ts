import { readdir, readlink, realpath } from "node:fs/promises";
import { readProcStat } from "./process-group.js";

/**
 * Process group leaders whose working directory is `dir` or lies inside it: copies of
 * a service that no pid file accounts for (the state folder was wiped or
 * replaced while the service ran on). Linux only; elsewhere none are found.
 */
export async function groupLeadersUnder(dir: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  // /proc shows working directories with symlinks resolved.
  const real = await realpath(dir).catch(() => dir);
  const prefix = real.endsWith("/") ? real : `${real}/`;
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => "");
    if (cwd !== real && !cwd.startsWith(prefix)) continue;
    const stat = readProcStat(pid);
    if (stat !== undefined && stat.state !== "Z" && stat.pgrp === pid) found.push(pid);
  }
  return found;
}
