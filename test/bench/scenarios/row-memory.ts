import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { freePort } from "../../support/temp.js";
import type { Metric } from "../scenario.js";
import { processRss } from "./footprint-proc.js";

/**
 * What a fleet row costs the coordinator in resident memory (issue 14: at
 * most 3 KB per row at 100,000 rows). Measured on real coordinator
 * processes (`tillroll coordinator`), one after the other in the same run:
 * one on an empty data folder, one on the seeded rows; the difference over
 * the row count. The loaded one is measured after it served the query
 * scenario's filters a few times (a working coordinator, not a fresh one).
 * Floor: the same rows as plain objects (`JSON.parse` of the fleet file,
 * kept) in a bare Node process, against a bare Node process.
 */

const TILLROLL_CLI = fileURLToPath(
  new URL("../../../coordinator/dist/cli/main.js", import.meta.url),
);

const KB = 1024;

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => {
      reject(
        new Error(`no line matching ${pattern} within ${timeoutMs} ms: ${buffer.slice(-2000)}`),
      );
    }, timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      if (pattern.test(buffer)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code}) before ${pattern}: ${buffer.slice(-2000)}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** RSS of a coordinator on `dataDir` once started and settled, after `work` (given its URL and token). */
async function coordinatorRss(
  settleMs: number,
  dataDir: string,
  work: (httpUrl: string, token: string) => Promise<void>,
): Promise<number> {
  await mkdir(dataDir, { recursive: true });
  const httpPort = await freePort();
  const child = spawn(
    process.execPath,
    [TILLROLL_CLI, "coordinator", "--data", dataDir, "--mqtt-port", "0"].concat([
      "--http-port",
      String(httpPort),
    ]),
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    await waitForLine(child, /coordinator: http/, 120_000);
    const token = (await readFile(join(dataDir, "operator-token"), "utf8")).trim();
    await work(`http://127.0.0.1:${httpPort}`, token);
    await sleep(settleMs);
    return await processRss(child.pid ?? 0);
  } finally {
    await stop(child);
  }
}

/** RSS of a bare Node process running `script` (after `ready` on stdout), settled. */
async function nodeRss(settleMs: number, script: string, args: string[]): Promise<number> {
  const child = spawn(process.execPath, ["-e", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await waitForLine(child, /ready/, 60_000);
    await sleep(settleMs);
    return await processRss(child.pid ?? 0);
  } finally {
    await stop(child);
  }
}

export interface RowMemoryOptions {
  workDir: string;
  /** A data folder seeded with `rows` rows (its fleet.json is read by the floor too). */
  seededDir: string;
  rows: number;
  /** Queries (`/api/status?...`) the loaded coordinator serves before it is measured. */
  queries: readonly string[];
  log: (line: string) => void;
  /** Wait before each RSS reading (start-up garbage collected, timers quiet); short in --quick. */
  settleMs: number;
}

export async function measureRowMemory(options: RowMemoryOptions): Promise<Metric[]> {
  const { rows } = options;
  const emptyRss = await coordinatorRss(
    options.settleMs,
    join(options.workDir, "empty"),
    async () => undefined,
  );
  const loadedRss = await coordinatorRss(
    options.settleMs,
    options.seededDir,
    async (httpUrl, token) => {
      for (let round = 0; round < 5; round++) {
        for (const q of options.queries) {
          const response = await fetch(`${httpUrl}/api/status?${q}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          if (!response.ok) throw new Error(`GET ${q}: ${response.status}`);
          await response.arrayBuffer();
        }
      }
    },
  );
  const bareRss = await nodeRss(
    options.settleMs,
    "console.log('ready'); setInterval(() => {}, 1000);",
    [],
  );
  const plainRss = await nodeRss(
    options.settleMs,
    "const rows = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); globalThis.rows = rows; console.log('ready', JSON.stringify(rows).length); setInterval(() => {}, 1000);",
    [join(options.seededDir, "fleet.json")],
  );
  const perRow = (loadedRss - emptyRss) / rows / KB;
  const floor = (plainRss - bareRss) / rows / KB;
  const mb = (bytes: number) => `${(bytes / KB / KB).toFixed(1)} MB`;
  options.log(
    `coordinator RSS: empty ${mb(emptyRss)}, ${rows} rows ${mb(loadedRss)}; bare node ${mb(bareRss)}, rows as plain objects ${mb(plainRss)}`,
  );
  const ratio = floor > 0 ? perRow / floor : null;
  return [
    {
      name: `coordinator RSS per row (${rows} rows)`,
      value: perRow,
      unit: "KB",
      floor,
      ratio,
      target: "<= 3 KB",
      met: perRow <= 3,
    },
    {
      name: "coordinator RSS, empty",
      value: emptyRss / KB / KB,
      unit: "MB",
      floor: null,
      ratio: null,
      target: "",
      met: null,
    },
    {
      name: `coordinator RSS, ${rows} rows`,
      value: loadedRss / KB / KB,
      unit: "MB",
      floor: null,
      ratio: null,
      target: "",
      met: null,
    },
  ];
}
