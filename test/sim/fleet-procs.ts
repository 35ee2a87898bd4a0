import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { STATUSES, type Status } from "@tillroll/protocol";
import type { ChildReport, ChildRequest } from "./fleet-proc-child.js";
import type { FleetSim, FleetSimOptions, FleetStats } from "./fleet-sim.js";

/**
 * A simulated fleet split across several simulator processes
 * (fleet-proc-child.ts), for fleets one process cannot serve on its own: at
 * 50,000 tills one event loop would both lag behind the broker and hold
 * every socket. Each child runs a contiguous slice with startFleetSim; the
 * slices connect one after another (each in its own bounded batches of
 * `connectConcurrency`), so the broker sees one connect storm of a bounded
 * size at a time. Children push their counters every 100 ms; stats() sums
 * the latest. statusOf() is not offered across processes.
 */

export interface FleetProcsOptions extends FleetSimOptions {
  /** Simulator processes (1 or more); the fleet is split into this many slices. */
  processes: number;
  /** Bound on starting one child and connecting its slice; default 300 s. */
  startTimeoutMs?: number;
}

const CHILD = fileURLToPath(new URL("./fleet-proc-child.ts", import.meta.url));
const POLL_MS = 50;
const CLOSE_TIMEOUT_MS = 60_000;

/** Splits `items` into `parts` contiguous slices whose sizes differ by at most one. */
export function slices<T>(items: readonly T[], parts: number): T[][] {
  if (!Number.isInteger(parts) || parts < 1)
    throw new RangeError(`processes must be a positive integer, got ${parts}`);
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const size = Math.floor(items.length / parts) + (i < items.length % parts ? 1 : 0);
    out.push(items.slice(start, start + size));
    start += size;
  }
  return out.filter((slice) => slice.length > 0);
}

/** The counters of several simulators added up. */
export function sumStats(all: readonly FleetStats[]): FleetStats {
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  const sum: FleetStats = {
    connected: 0,
    desiredReceived: 0,
    desiredRejected: 0,
    desiredStale: 0,
    statusesSent: 0,
    byStatus,
    errors: 0,
  };
  for (const stats of all) {
    sum.connected += stats.connected;
    sum.desiredReceived += stats.desiredReceived;
    sum.desiredRejected += stats.desiredRejected;
    sum.desiredStale += stats.desiredStale;
    sum.statusesSent += stats.statusesSent;
    sum.errors += stats.errors;
    for (const status of STATUSES) byStatus[status] += stats.byStatus[status];
  }
  return sum;
}

class SimChild {
  latest: FleetStats;
  private nextId = 1;
  private readonly pending = new Map<number, (error: string | undefined) => void>();

  constructor(
    readonly child: ChildProcess,
    initial: FleetStats,
  ) {
    this.latest = initial;
    child.on("message", (report: ChildReport) => {
      if (report.kind === "stats") this.latest = report.stats;
      else if (report.kind === "done") {
        this.pending.get(report.id)?.(report.error);
        this.pending.delete(report.id);
      }
    });
    child.once("exit", () => {
      for (const settle of this.pending.values()) settle("simulator process exited");
      this.pending.clear();
    });
  }

  ask(kind: "dropAll" | "reconnectAll" | "close", timeoutMs: number): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return Promise.resolve();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`simulator process ${this.child.pid}: no answer to ${kind}`));
      }, timeoutMs);
      this.pending.set(id, (error) => {
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(new Error(`simulator process ${this.child.pid}: ${error}`));
      });
      this.child.send({ kind, id } satisfies ChildRequest);
    });
  }
}

function startChild(options: FleetSimOptions, timeoutMs: number): Promise<SimChild> {
  const child = fork(CHILD, [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `simulator process: slice of ${options.workstations.length} not connected after ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`simulator process exited (${code}) before its slice was connected`));
    };
    child.once("exit", onExit);
    child.once("message", (report: ChildReport) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      if (report.kind === "started") resolve(new SimChild(child, report.stats));
      else {
        child.kill("SIGKILL");
        reject(new Error(report.kind === "failed" ? report.error : `unexpected ${report.kind}`));
      }
    });
    child.send({ kind: "start", options } satisfies ChildRequest);
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

class ProcFleet implements FleetSim {
  private closed = false;
  constructor(private readonly children: SimChild[]) {}

  connected(): number {
    return this.stats().connected;
  }

  stats(): FleetStats {
    return sumStats(this.children.map((c) => c.latest));
  }

  statusOf(): { status: Status; activeVersion: string | null } {
    throw new Error("statusOf is not offered by a fleet split across processes (fleet-procs.ts)");
  }

  waitFor(predicate: (sim: FleetSim) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.closed) return reject(new Error("fleet simulator is closed"));
        try {
          if (predicate(this)) return resolve();
        } catch (error) {
          return reject(error);
        }
        const exited = this.children.find((c) => c.child.exitCode !== null);
        if (exited !== undefined)
          return reject(new Error(`simulator process ${exited.child.pid} exited`));
        if (Date.now() >= deadline) {
          const s = this.stats();
          return reject(
            new Error(
              `waitFor: not true after ${timeoutMs} ms; ${s.connected} connected, desired ${s.desiredReceived}, OK ${s.byStatus.OK}`,
            ),
          );
        }
        setTimeout(check, POLL_MS);
      };
      check();
    });
  }

  dropAll(): void {
    for (const c of this.children) void c.ask("dropAll", CLOSE_TIMEOUT_MS).catch(() => {});
  }

  async reconnectAll(): Promise<void> {
    await Promise.all(this.children.map((c) => c.ask("reconnectAll", CLOSE_TIMEOUT_MS)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.children.map(async (c) => {
        await c.ask("close", CLOSE_TIMEOUT_MS).catch(() => {});
        await kill(c.child);
      }),
    );
  }
}

/** Starts the simulator processes one after another, each connecting its slice; on failure stops them all. */
export async function startFleetProcs(options: FleetProcsOptions): Promise<FleetSim> {
  const { processes, startTimeoutMs = 300_000, ...simOptions } = options;
  const started: SimChild[] = [];
  try {
    for (const slice of slices(simOptions.workstations, processes))
      started.push(await startChild({ ...simOptions, workstations: slice }, startTimeoutMs));
  } catch (error) {
    await Promise.all(started.map((c) => kill(c.child)));
    throw error;
  }
  return new ProcFleet(started);
}
