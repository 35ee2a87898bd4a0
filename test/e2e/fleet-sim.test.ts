import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Coordinator, type JsonRow } from "@tillroll/coordinator";
import { afterAll, describe, expect, it } from "vitest";
import { type FleetSim, startFleetSim } from "../sim/fleet-sim.js";
import { buildPack } from "../support/packs.js";
import type { TestDatabase } from "../support/postgres.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { pollUntil } from "../support/wait.js";
import { storeDatabase } from "./test-store.js";

/**
 * The acceptance test of the fleet simulator: 1,000 simulated workstations,
 * each with its own MQTT connection and credentials, against a real
 * coordinator (embedded broker, fleet store, desired publisher, HTTP API) in
 * this process. An operator sets a preferred version for the whole fleet and
 * every till reports OK on it; then every connection drops at once and the
 * fleet reconnects in one storm.
 */

const FLEET_SIZE = 1_000;
const STORES = 100;
const HTTP_TIMEOUT_MS = 30_000;

interface Enrolled {
  store: string;
  workstation: string;
  username: string;
  password: string;
  agentConfig: { broker: string; coordinatorKey: string };
}

class Api {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown, type = "application/json") {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": type },
      ...(body === undefined ? {} : { body: body instanceof Buffer ? body : JSON.stringify(body) }),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  rows(): Promise<JsonRow[]> {
    return this.call<JsonRow[]>("GET", "/api/status");
  }
}

function tally(rows: JsonRow[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const key = `${row.status} ${row.activeVersion ?? "-"}${row.online ? "" : " offline"}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${count} × ${key}`).join(", ");
}

/** Polls the Status Overview every 500 ms until `done`; returns the rows and the time it took. */
async function until(
  api: Api,
  what: string,
  timeoutMs: number,
  done: (rows: JsonRow[]) => boolean,
) {
  const started = performance.now();
  let last: JsonRow[] = [];
  try {
    const rows = await pollUntil(
      async () => {
        last = await api.rows();
        return done(last) && last;
      },
      timeoutMs,
      what,
      500,
    );
    return { rows, ms: Math.round(performance.now() - started) };
  } catch (error) {
    throw new Error(`${(error as Error).message}; rows: ${tally(last)}`);
  }
}

const allOn = (version: string, online: boolean) => (rows: JsonRow[]) =>
  rows.length === FLEET_SIZE &&
  rows.every(
    (row) => row.status === "OK" && row.activeVersion === version && row.online === online,
  );

describe("fleet simulator against a real coordinator", () => {
  let dir: TempDir | undefined;
  let coordinator: Coordinator | undefined;
  let sim: FleetSim | undefined;
  let database: TestDatabase | undefined;

  afterAll(async () => {
    await sim?.close();
    await coordinator?.stop();
    await database?.drop();
    await dir?.cleanup();
  });

  it(`${FLEET_SIZE} simulated workstations update to 1.1.0, then survive a reconnect storm`, async () => {
    const timings: Record<string, number> = {};
    const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await step();
      timings[name] = Math.round(performance.now() - started);
      return result;
    };

    dir = await tempDir("fleet-sim");
    const dataDir = join(dir.path, "data");
    database = await storeDatabase();
    const started = await Coordinator.start({
      dataDir,
      database: database?.url,
      mqttPort: 0,
      httpPort: 0,
      log: () => {},
    });
    coordinator = started;
    const token = (await readFile(join(dataDir, "operator-token"), "utf8")).trim();
    const api = new Api(started.httpUrl, token);

    const workstations = Array.from({ length: FLEET_SIZE }, (_, i) => ({
      store: String(2001 + (i % STORES)),
      workstation: String(Math.floor(i / STORES) + 1).padStart(2, "0"),
      group: "DE/North",
    }));
    const enrolled = await timed("enrol", () =>
      api.call<Enrolled[]>("POST", "/api/workstations", { workstations }),
    );
    expect(enrolled).toHaveLength(FLEET_SIZE);

    const pack = await buildPack(dir.path, {
      name: "pos-client",
      version: "1.1.0",
      health: "none",
    });
    expect(pack.descriptor).toEqual({
      name: "pos-client",
      version: "1.1.0",
      service: { start: "bin/start" },
    });
    await api.call("POST", "/api/packs", await readFile(pack.path), "application/octet-stream");

    const first = enrolled[0];
    if (first === undefined) throw new Error("enrolment returned no workstations");
    sim = await timed("connect", () =>
      startFleetSim({
        brokerUrl: first.agentConfig.broker,
        coordinatorKey: first.agentConfig.coordinatorKey,
        workstations: enrolled.map(({ store, workstation, username, password }) => ({
          store,
          workstation,
          username,
          password,
        })),
        initialVersion: "1.0.0",
        seed: 20_261_121,
        failureShare: 0,
      }),
    );
    const fleet = sim;
    expect(fleet.connected()).toBe(FLEET_SIZE);
    const reported = await until(api, `${FLEET_SIZE} rows on 1.0.0`, 30_000, allOn("1.0.0", true));
    timings.firstStatus = reported.ms;

    const change = await timed("setPreferred", () =>
      api.call<{ changed: unknown[] }>("POST", "/api/set-preferred", {
        function: "pos-client",
        version: "1.1.0",
        all: true,
      }),
    );
    expect(change.changed).toHaveLength(FLEET_SIZE);
    const updated = await until(
      api,
      `${FLEET_SIZE} rows OK on 1.1.0`,
      60_000,
      allOn("1.1.0", true),
    );
    timings.update = updated.ms;
    expect(tally(updated.rows)).toBe(`${FLEET_SIZE} × OK 1.1.0`);
    const stats = fleet.stats();
    expect(stats).toMatchObject({ connected: FLEET_SIZE, desiredRejected: 0, errors: 0 });
    expect(stats.byStatus).toMatchObject({ OK: FLEET_SIZE, "Rolled Back": 0, Failed: 0 });
    expect(stats.desiredReceived).toBeGreaterThanOrEqual(FLEET_SIZE);
    // OK, Prepared, downloading, installing, OK: at least five whole documents per till.
    expect(stats.statusesSent).toBeGreaterThanOrEqual(5 * FLEET_SIZE);

    // The outage: every socket drops, the broker publishes every will.
    fleet.dropAll();
    expect(fleet.connected()).toBe(0);
    const offline = await until(api, "every till offline", 30_000, allOn("1.1.0", false));
    timings.wills = offline.ms;
    await timed("reconnect", () => fleet.reconnectAll());
    expect(fleet.connected()).toBe(FLEET_SIZE);
    const back = await until(api, "every till online again", 30_000, allOn("1.1.0", true));
    timings.backOnline = back.ms;
    expect(tally(back.rows)).toBe(`${FLEET_SIZE} × OK 1.1.0`);
    expect(fleet.stats().byStatus.OK).toBe(FLEET_SIZE);

    console.log(
      `fleet-sim e2e, ${FLEET_SIZE} workstations (ms): ${JSON.stringify(timings)}; ` +
        `statuses sent ${fleet.stats().statusesSent}, desired received ${fleet.stats().desiredReceived}`,
    );
  }, 120_000);
});
