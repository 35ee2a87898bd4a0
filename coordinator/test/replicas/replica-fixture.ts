// Issue 14 (replicas): the shared setup of the two-replica tests: one Mosquitto
// (anonymous, loopback, logging subscriptions), one fresh PostgreSQL database,
// one data folder every replica reaches, and in-process coordinators on them.

import { mkdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { type StatusDocument, topicFor } from "@tillroll/protocol";
import mqtt from "mqtt";
import { afterAll, beforeAll } from "vitest";
import { type TestDatabase, testDatabase } from "../../../test/support/postgres.js";
import { Coordinator, type CoordinatorOptions } from "../../src/coordinator.js";
import {
  freePort,
  type MosquittoProcess,
  startMosquitto,
} from "../broker-config/mosquitto-process.js";
import { buildPack, descriptorFor } from "../packs/pack-fixtures.js";

export interface Answer {
  status: number;
  body: unknown;
  text: string;
}

export interface ReplicaFixture {
  readonly dir: string;
  readonly brokerUrl: string;
  readonly databaseUrl: string;
  readonly mosquitto: MosquittoProcess;
  /** A coordinator on the shared database and broker; its log lines go to `log`, prefixed `name `. */
  replica(name: string, log: string[], options?: Partial<CoordinatorOptions>): Promise<Coordinator>;
  /** Calls a replica's API as the platform admin. */
  call(
    on: Coordinator,
    method: string,
    path: string,
    body?: unknown,
    raw?: Buffer,
  ): Promise<Answer>;
}

/**
 * Registers the broker, the database and the data folder for the calling test
 * file (beforeAll/afterAll); the fields are read inside the tests.
 */
export function replicaFixture(name: string): ReplicaFixture {
  let dir = "";
  let mosquitto: MosquittoProcess | undefined;
  let brokerUrl = "";
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `tillroll-${name}-`));
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
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });
  const fixture: ReplicaFixture = {
    get dir() {
      return dir;
    },
    get brokerUrl() {
      return brokerUrl;
    },
    get databaseUrl() {
      return database?.url ?? "";
    },
    get mosquitto() {
      if (mosquitto === undefined) throw new Error("replica fixture: mosquitto not started");
      return mosquitto;
    },
    replica: (replicaName, log, options = {}) =>
      Coordinator.start({
        // One data folder (signing key, packs) every replica reaches.
        dataDir: join(dir, "data"),
        database: database?.url,
        brokerUrl,
        mqttPort: 0,
        httpPort: 0,
        log: (line) => log.push(`${replicaName} ${line}`),
        ...options,
      }),
    call: async (on, method, path, body, raw) => {
      const token = (await readFile(join(dir, "data", "operator-token"), "utf8")).trim();
      const response = await fetch(`${on.httpUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(raw !== undefined ? { body: raw } : {}),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: response.status, body: parsed, text };
    },
  };
  return fixture;
}

/** Waits for `test`; the milliseconds it took. */
export async function until(what: string, test: () => boolean, ms = 10_000): Promise<number> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

/** Whether the replica `name`'s last lease line in `log` says it leads. */
export function leads(log: readonly string[], name: string): boolean {
  return (
    log
      .filter((line) => line.startsWith(`${name} leader lease: `))
      .at(-1)
      ?.includes("-> leader") === true
  );
}

/** A service report as a till would publish it. */
export function statusDoc(
  ws: { store: string; workstation: string },
  activeVersion: string,
  seq = 1,
): StatusDocument {
  return {
    schema: 1,
    seq,
    ts: new Date().toISOString(),
    ...ws,
    desiredSeq: null,
    services: {
      "pos-client": {
        status: "OK",
        activeVersion,
        preferredVersion: null,
        requestId: null,
        validFrom: null,
        phase: null,
        progress: null,
        reason: null,
        updatedAt: new Date().toISOString(),
      },
    },
  };
}

/** Publishes each till's report on the broker (the share group hands each to one replica). */
export async function report(
  brokerUrl: string,
  tills: readonly { store: string; workstation: string }[],
  activeVersion: string,
): Promise<void> {
  const client = await mqtt.connectAsync(brokerUrl, { protocolVersion: 4, clean: true });
  try {
    for (const ws of tills)
      await client.publishAsync(
        topicFor("status", ws),
        JSON.stringify(statusDoc(ws, activeVersion)),
        {
          qos: 1,
        },
      );
  } finally {
    await client.endAsync();
  }
}

/** Builds the pos-client packs of these versions and publishes them through `on`'s API. */
export async function publishPacks(
  fixture: ReplicaFixture,
  on: Coordinator,
  versions: readonly string[],
): Promise<void> {
  const build = join(fixture.dir, `build-${Date.now()}`);
  mkdirSync(build, { recursive: true });
  const ws = { root: fixture.dir, data: "", staging: "", build, logs: [] };
  for (const version of versions) {
    const file = await buildPack(ws, { descriptor: descriptorFor("pos-client", version) });
    const published = await fixture.call(on, "POST", "/api/packs", undefined, readFileSync(file));
    if (published.status !== 201) throw new Error(`publish ${version}: ${published.text}`);
  }
}
