import { readFile } from "node:fs/promises";

/**
 * How many simulated workstations one broker process can hold on this
 * machine: each till is one TCP connection, i.e. one file descriptor in the
 * broker's process (the coordinator with its embedded broker thread, or
 * Mosquitto), and the hard limit on open files cannot be raised without
 * CAP_SYS_RESOURCE. A run asked for more is scaled down to what fits, and
 * says so, rather than failing half-way through the connect storm.
 */

/** Descriptors kept free for everything else a broker process opens (files, HTTP, the log). */
export const FD_MARGIN = 1_000;

/** The soft "Max open files" of a /proc/PID/limits text; null when absent or unlimited. */
export function openFilesLimit(limitsText: string): number | null {
  const line = limitsText.split("\n").find((l) => l.startsWith("Max open files"));
  const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
  return soft === undefined || !/^\d+$/.test(soft) ? null : Number(soft);
}

/** `wanted`, or fewer when the open-files limit (inherited by the broker processes we start) is lower. */
export function fleetThatFits(wanted: number, openFiles: number | null): number {
  if (openFiles === null) return wanted;
  return Math.max(0, Math.min(wanted, openFiles - FD_MARGIN));
}

/** Our own limit, which every broker process this bench starts inherits. */
export async function ownOpenFilesLimit(): Promise<number | null> {
  return openFilesLimit(await readFile("/proc/self/limits", "utf8").catch(() => ""));
}

/** Simulator processes for `workstations`: one per 12,500 tills (~75 MB of heap each), at least `min`. */
export function simProcessesFor(workstations: number, min = 1): number {
  return Math.max(min, Math.ceil(workstations / 12_500));
}
