import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type TestDatabase, testDatabase } from "../../../test/support/postgres.js";
import { Coordinator } from "../../src/coordinator.js";
import {
  freePort,
  type MosquittoProcess,
  startMosquitto,
} from "../broker-config/mosquitto-process.js";

/**
 * Issue 14 (replicas), the foundations in a real coordinator: two coordinators
 * on one PostgreSQL (`database`) and one Mosquitto (`brokerUrl`): both take
 * the fleet's reports as a shared subscription, exactly one leads, and when it
 * stops the other leads within 10 s. (The full failover test, with agents and
 * a kill -9 mid-release, builds on this.)
 */

vi.setConfig({ testTimeout: 60_000 });

let dir: string;
let mosquitto: MosquittoProcess;
let brokerUrl: string;
let database: TestDatabase;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tillroll-two-replicas-"));
  const port = await freePort();
  brokerUrl = `mqtt://127.0.0.1:${port}`;
  const conf = join(dir, "mosquitto.conf");
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      `user ${userInfo().username}`,
      "persistence false",
      "log_dest stderr",
      "log_type subscribe",
      "",
    ].join("\n"),
  );
  mosquitto = await startMosquitto(conf, port);
  database = await testDatabase();
}, 60_000);

afterAll(async () => {
  await mosquitto?.stop();
  await database?.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function replica(name: string, log: string[]): Promise<Coordinator> {
  return Coordinator.start({
    // One data folder (signing key, packs) every replica reaches.
    dataDir: join(dir, "data"),
    database: database.url,
    brokerUrl,
    mqttPort: 0,
    httpPort: 0,
    log: (line) => log.push(`${name} ${line}`),
  });
}

async function until(what: string, test: () => boolean, ms = 10_000): Promise<number> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

describe("two coordinators on one PostgreSQL and one Mosquitto", () => {
  it("share the reports, one leads, and the other leads within 10 s once it stops", async () => {
    const log: string[] = [];
    const a = await replica("a", log);
    const b = await replica("b", log);
    const leading = (name: string) =>
      log
        .filter((line) => line.startsWith(`${name} leader lease: `))
        .at(-1)
        ?.includes("-> leader") === true;
    await until("one leads", () => leading("a") || leading("b"));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(leading("a") && leading("b")).toBe(false);
    // Each replica subscribed to the shared filters, not the plain ones.
    const subscribed = mosquitto.log();
    expect(subscribed.match(/\$share\/tillroll\/tillroll\/v1\/ws\/\+\/\+\/status/g)).toHaveLength(
      2,
    );
    expect(subscribed).not.toMatch(/ tillroll\/v1\/ws\/\+\/\+\/status/);

    const [leader, follower, followerName] = leading("a") ? [a, b, "b"] : [b, a, "a"];
    const stoppedAt = Date.now();
    await leader.stop();
    await until(`${followerName} leads`, () => leading(followerName), 10_000);
    console.log(
      `two replicas: the follower led ${Date.now() - stoppedAt} ms after the leader stopped`,
    );
    expect(log).toContainEqual(
      `${followerName} leader duties: starting (advisory lock acquired): notices delivery, release runner, blackout cancels`,
    );
    await follower.stop();
  });
});
