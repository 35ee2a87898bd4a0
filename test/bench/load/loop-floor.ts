import { type ChildProcess, spawn } from "node:child_process";

/**
 * The stall floor: a bare Node process that does nothing but watch its own
 * event loop (monitorEventLoopDelay at the coordinator's resolution, 10 ms)
 * while the burst runs. What it sees is what the machine alone costs a Node
 * thread at that moment (other processes on two cores, the simulated fleet):
 * no coordinator can stall less.
 */

const WATCHER = `
const { monitorEventLoopDelay } = require("node:perf_hooks");
const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
let pending = "";
process.stdin.on("data", (chunk) => {
  pending += chunk;
  while (pending.includes("\\n")) {
    pending = pending.slice(pending.indexOf("\\n") + 1);
    const delay = { max: histogram.max / 1e9, p99: histogram.percentile(99) / 1e9 };
    histogram.reset();
    process.stdout.write(JSON.stringify(delay) + "\\n");
  }
});
process.stdin.on("end", () => process.exit(0));
`;

export interface LoopFloor {
  /** max and p99 (seconds) since the previous take, then start afresh. */
  take(): Promise<{ max: number; p99: number }>;
  stop(): Promise<void>;
}

export function startLoopFloor(): LoopFloor {
  const child: ChildProcess = spawn(process.execPath, ["-e", WATCHER], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let buffer = "";
  const waiting: ((line: string) => void)[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    while (buffer.includes("\n")) {
      const line = buffer.slice(0, buffer.indexOf("\n"));
      buffer = buffer.slice(buffer.indexOf("\n") + 1);
      waiting.shift()?.(line);
    }
  });
  return {
    take() {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("loop floor: no answer in 10 s")), 10_000);
        waiting.push((line) => {
          clearTimeout(timer);
          resolve(JSON.parse(line) as { max: number; p99: number });
        });
        child.stdin?.write("take\n");
      });
    },
    stop() {
      if (child.exitCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.stdin?.end();
      });
    },
  };
}
