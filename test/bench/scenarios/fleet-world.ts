import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServiceRow } from "@tillroll/coordinator";
import { startFleetProcs } from "../../sim/fleet-procs.js";
import { type FleetSim, type FleetSimOptions, startFleetSim } from "../../sim/fleet-sim.js";
import { buildPack } from "../../support/packs.js";
import { freePort } from "../../support/temp.js";
import { generateRows, SEEDED_PASSWORD, seedDataDir, seedWorkstations } from "./fleet-data.js";

const TILLROLL_CLI = fileURLToPath(
  new URL("../../../coordinator/dist/cli/main.js", import.meta.url),
);

export interface WorldOptions {
  workDir: string;
  /** Simulated workstations (one pos-client each), ids as generateRows makes them. */
  workstations: number;
  /** Rows in the store before start (>= workstations x 10 gives each its 10 functions). */
  rows: number;
  log: (line: string) => void;
  installMs?: { min: number; max: number };
  /** Rows per workstation in the seeded store (default 10: the functions of generateRows). */
  functionsPerWorkstation?: number;
  /**
   * Write the workstations into the data folder before start (fleet-data.ts
   * seedWorkstations) instead of enrolling them over HTTP: enrolling hashes two
   * secrets per till (about 32 s for 10,000 on a quiet machine).
   */
  seedEnrolment?: boolean;
  /** Run the simulated fleet in this many simulator processes (fleet-procs.ts); default 1: in this process. */
  simProcesses?: number;
  /** An external broker (`mqtt://127.0.0.1:PORT`, anonymous) for `--broker`; default: the embedded one. */
  externalBroker?: string;
}

/** Workstation ids of the first `count` workstations of generateRows's fleet. */
export function workstationIds(count: number): { store: string; workstation: string }[] {
  return Array.from({ length: count }, (_, i) => ({
    store: String(1000 + Math.floor(i / 10)),
    workstation: String((i % 10) + 1).padStart(2, "0"),
  }));
}

/** A real coordinator process with `rows` rows, `workstations` enrolled and simulated. */
export interface FleetWorld {
  httpUrl: string;
  token: string;
  coordinatorPid: number;
  sim: FleetSim;
  metrics(): Promise<Record<string, number>>;
  /** One console API call with the operator's token; a status other than 2xx throws naming it. */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** headersMs: until the answer's status line and headers arrived; bytes: the body's size. */
  setPreferred(
    version: string,
  ): Promise<{ changed: number; skipped: number; headersMs: number; bytes: number }>;
  publishPack(version: string): Promise<void>;
  close(): Promise<void>;
}

async function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(
      () =>
        reject(
          new Error(`no line matching ${pattern} within ${timeoutMs} ms: ${buffer.slice(-2000)}`),
        ),
      timeoutMs,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split("\n").find((l) => pattern.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once("exit", (code) =>
      reject(new Error(`process exited (${code}) before ${pattern}: ${buffer.slice(-2000)}`)),
    );
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

export async function startWorld(options: WorldOptions): Promise<FleetWorld> {
  const dataDir = join(options.workDir, "data");
  await seedDataDir(dataDir, generateRows(options.rows, 42, options.functionsPerWorkstation));
  const ids = workstationIds(options.workstations);
  if (options.seedEnrolment === true) await seedWorkstations(dataDir, ids);
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  // TILLROLL_BENCH_PROFILE=DIR writes a CPU profile of the coordinator there (the README's explanations).
  const profile = process.env.TILLROLL_BENCH_PROFILE;
  const child = spawn(
    process.execPath,
    [
      ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []),
      TILLROLL_CLI,
      "coordinator",
      "--data",
      dataDir,
      "--mqtt-port",
      String(mqttPort),
      "--http-port",
      String(httpPort),
      ...(options.externalBroker === undefined
        ? []
        : ["--broker", options.externalBroker.replace("mqtt://", "mqtt://coordinator:bench@")]),
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let sim: FleetSim | null = null;
  try {
    await waitForLine(child, /coordinator: http/, 60_000);
    const httpUrl = `http://127.0.0.1:${httpPort}`;
    const token = (await readFile(join(dataDir, "operator-token"), "utf8")).trim();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const api = async <T>(
      method: string,
      path: string,
      body?: unknown,
      raw?: Buffer,
    ): Promise<T> => {
      const response = await fetch(`${httpUrl}${path}`, {
        method,
        headers,
        body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      const text = await response.text();
      if (!response.ok)
        throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
      return (text === "" ? null : JSON.parse(text)) as T;
    };
    const fleet = await enrolFleet(options, ids, api, {
      dataDir,
      brokerUrl: options.externalBroker ?? `mqtt://127.0.0.1:${mqttPort}`,
    });
    const simOptions: FleetSimOptions = {
      ...fleet,
      initialVersion: "1.0.0",
      seed: 7,
      installMs: options.installMs ?? { min: 0, max: 50 },
    };
    const simStarted = performance.now();
    const processes = options.simProcesses ?? 1;
    sim =
      processes > 1
        ? await startFleetProcs({ ...simOptions, processes })
        : await startFleetSim(simOptions);
    options.log(
      `simulator: ${sim.connected()} workstations connected in ${(performance.now() - simStarted).toFixed(0)} ms (${processes} process${processes > 1 ? "es" : ""})`,
    );
    const world: FleetWorld = {
      httpUrl,
      token,
      coordinatorPid: child.pid ?? 0,
      sim,
      api: <T>(method: string, path: string, body?: unknown) => api<T>(method, path, body),
      async metrics() {
        const response = await fetch(`${httpUrl}/metrics`);
        const values: Record<string, number> = {};
        for (const line of (await response.text()).split("\n")) {
          const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
          if (match !== null) values[match[1] as string] = Number(match[2]);
        }
        return values;
      },
      async setPreferred(version) {
        // Timed in two parts: the answer's head, and its body (one entry per changed row,
        // megabytes at 10,000), which the coordinator writes while it already publishes.
        const t0 = performance.now();
        const response = await fetch(`${httpUrl}/api/set-preferred`, {
          method: "POST",
          headers,
          body: JSON.stringify({ function: "pos-client", version, all: true }),
        });
        const headersMs = performance.now() - t0;
        const text = await response.text();
        if (!response.ok)
          throw new Error(`POST /api/set-preferred: ${response.status} ${text.slice(0, 500)}`);
        const report = JSON.parse(text) as { changed: unknown[]; skipped: unknown[] };
        return {
          changed: report.changed.length,
          skipped: report.skipped.length,
          headersMs,
          bytes: Buffer.byteLength(text),
        };
      },
      async publishPack(version) {
        const pack = await buildPack(join(options.workDir, "packs", version), {
          name: "pos-client",
          version,
        });
        await api("POST", "/api/packs", undefined, await readFile(pack.path));
      },
      async close() {
        const t0 = performance.now();
        await sim?.close();
        const t1 = performance.now();
        await stop(child);
        options.log(
          `closed: simulator ${(t1 - t0).toFixed(0)} ms, coordinator ${(performance.now() - t1).toFixed(0)} ms`,
        );
      },
    };
    return world;
  } catch (error) {
    await sim?.close();
    await stop(child);
    throw error;
  }
}

type Api = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/**
 * What the simulator needs to join the coordinator's fleet: enrolled over
 * HTTP (the enrolment's answer), or seeded before start (one shared
 * password, the public key from the data folder).
 */
async function enrolFleet(
  options: WorldOptions,
  ids: { store: string; workstation: string }[],
  api: Api,
  seeded: { dataDir: string; brokerUrl: string },
): Promise<Pick<FleetSimOptions, "brokerUrl" | "coordinatorKey" | "workstations">> {
  if (options.seedEnrolment === true) {
    const key = (await readFile(join(seeded.dataDir, "signing-key.pub"), "utf8")).trim();
    options.log(`${ids.length} workstations seeded in coordinator.json`);
    return {
      brokerUrl: seeded.brokerUrl,
      coordinatorKey: key,
      workstations: ids.map((id) => ({
        ...id,
        username: `agent.${id.store}.${id.workstation}`,
        password: SEEDED_PASSWORD,
      })),
    };
  }
  const started = Date.now();
  const enrolled = await api<
    {
      store: string;
      workstation: string;
      username: string;
      password: string;
      agentConfig: { broker: string; coordinatorKey: string };
    }[]
  >("POST", "/api/workstations", {
    workstations: ids.map((id) => ({ ...id, group: "DE/North" })),
  });
  options.log(`enrolled ${enrolled.length} workstations in ${Date.now() - started} ms`);
  const first = enrolled[0];
  if (first === undefined) throw new Error("nothing enrolled");
  return {
    brokerUrl: options.externalBroker ?? first.agentConfig.broker,
    coordinatorKey: first.agentConfig.coordinatorKey,
    workstations: enrolled.map((e) => ({
      store: e.store,
      workstation: e.workstation,
      username: e.username,
      password: e.password,
    })),
  };
}

/** Rows of the coordinator's view with the given status and version. */
export function countRows(rows: ServiceRow[], status: string, version: string): number {
  return rows.filter((row) => row.status === status && row.activeVersion === version).length;
}

/** The floor's broker: the same aedes code in its own process, no coordinator. */
export async function startFloorBroker(): Promise<{
  url: string;
  username: string;
  password: string;
  close(): Promise<void>;
}> {
  const script = fileURLToPath(new URL("../load/floor-broker.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await waitForLine(child, /^\{/, 30_000);
  const info = JSON.parse(line) as { url: string; username: string; password: string };
  return { ...info, close: () => stop(child) };
}
