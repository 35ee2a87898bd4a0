import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONNECT_TYPE,
  connectPacket,
  fixedHeader,
  PUBLISH_TYPE,
  rawClient,
} from "../../coordinator/test/broker/raw-mqtt.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { CoordinatorProcess } from "./coordinator-harness.js";

/**
 * Issue 8, item 11 against a real `tillroll coordinator` process: packets
 * that declare 256 MB are refused at their fixed header before and after
 * login (the process's RSS barely moves), and 200 failed logins are slowed.
 * Bytes are written on raw sockets: no client library sends such packets.
 */

const MB = 1024 * 1024;
/** What each misbehaving connection tries to push after its header. */
const STREAM_BYTES = 32 * MB;

interface Enrolled {
  username: string;
  password: string;
  posUsername: string;
  posPassword: string;
}

let dir: TempDir;
let coordinator: CoordinatorProcess;
let ws1: Enrolled;
let ws2: Enrolled;

beforeAll(async () => {
  dir = await tempDir("broker-hardening");
  coordinator = await CoordinatorProcess.create(join(dir.path, "data"));
  await coordinator.start();
  ws1 = await coordinator.consoleJson<Enrolled>("workstation", "add", "1001/01", "--group", "DE");
  ws2 = await coordinator.consoleJson<Enrolled>("workstation", "add", "1001/02", "--group", "DE");
});

afterAll(async () => {
  await coordinator?.close();
  await dir?.cleanup();
});

/** Resident memory of the coordinator process, from /proc/PID/status (kB → bytes). */
async function rss(): Promise<number> {
  const status = await readFile(`/proc/${coordinator.pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error("no VmRSS in /proc status");
  return Number(kb) * 1024;
}

function mqttUrl(): string {
  return `mqtt://127.0.0.1:${coordinator.mqttPort}`;
}

/** Connects with mqtt.js; resolves with the CONNACK code and the time the answer took. */
function login(
  username: string,
  password: string,
  clientId = `t-${Math.random().toString(16).slice(2, 10)}`,
): Promise<{ code: number; ms: number; client: MqttClient }> {
  const started = performance.now();
  const client = connect(mqttUrl(), {
    protocolVersion: 4,
    clean: true,
    clientId,
    username,
    password,
    reconnectPeriod: 0,
    connectTimeout: 60_000,
  });
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve({ code: 0, ms: performance.now() - started, client }));
    client.once("error", (error) => {
      const code = (error as { code?: unknown }).code;
      if (typeof code === "number") resolve({ code, ms: performance.now() - started, client });
      else reject(error);
    });
  });
}

describe("coordinator broker: oversize packets (issue 8, acceptance 3)", () => {
  it("issues agent.{store}.{ws} and pos.{store}.{ws} usernames", () => {
    expect([ws1.username, ws1.posUsername]).toEqual(["agent.1001.01", "pos.1001.01"]);
  });

  it("refuses 256 MB declared before and after CONNECT with RSS growth under 10 MB", async () => {
    // Warm up: a normal login or two, so lazily loaded code is resident already.
    for (let i = 0; i < 3; i++) {
      const { code, client } = await login(ws1.username, ws1.password, "agent.1001.01");
      expect(code).toBe(0);
      await client.endAsync();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = await rss();

    const attack = async (afterLogin: boolean) => {
      const raw = await rawClient(coordinator.mqttPort);
      if (afterLogin) {
        raw.socket.write(
          connectPacket({
            clientId: `raw-${Math.random()}`,
            username: ws1.username,
            password: ws1.password,
          }),
        );
        expect(await raw.connack()).toBe(0);
        raw.socket.write(fixedHeader(PUBLISH_TYPE, 268_435_455, 0b0010));
      } else {
        raw.socket.write(fixedHeader(CONNECT_TYPE, 268_435_455));
      }
      const written = await raw.stream(STREAM_BYTES);
      // Without the header check the broker keeps reading: give up after 10 s
      // so the test fails on its assertions instead of timing out.
      await Promise.race([raw.closed, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      raw.socket.destroy();
      return written;
    };
    const written = await Promise.all([
      attack(false),
      attack(false),
      attack(false),
      attack(true),
      attack(true),
      attack(true),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await rss();
    const growth = after - before;
    console.log(
      `coordinator RSS ${(before / MB).toFixed(1)} MB -> ${(after / MB).toFixed(1)} MB (+${(growth / MB).toFixed(1)} MB); bytes the 6 clients got written before the close: ${written.map((w) => (w / MB).toFixed(1)).join(", ")} MB`,
    );
    expect(growth).toBeLessThan(10 * MB);
    // Each connection was closed long before it could push its 32 MB.
    for (const w of written) expect(w).toBeLessThan(STREAM_BYTES);
    const log = coordinator.output.join("\n");
    expect(log).toContain("CONNECT declares 268435455 bytes; before login at most 8192");
    expect(log).toContain("a packet of type 3 declares 268435455 bytes");
    // The broker still serves.
    const { code, client } = await login(ws2.username, ws2.password);
    expect(code).toBe(0);
    await client.endAsync();
  });
});

describe("coordinator broker: failed logins (issue 8, acceptance 3)", () => {
  it("slows 200 failed logins: past the first few they queue, then are turned away", async () => {
    const started = performance.now();
    const attempts = await Promise.all(
      Array.from({ length: 200 }, (_, i) => login(ws1.username, `wrong-${i}`)),
    );
    const totalMs = performance.now() - started;
    await Promise.all(attempts.map((a) => a.client.endAsync(true)));
    const checked = attempts.filter((a) => a.code === 4).map((a) => a.ms);
    const turnedAway = attempts.filter((a) => a.code === 3);
    checked.sort((a, b) => a - b);
    console.log(
      `200 parallel failed logins in ${(totalMs / 1000).toFixed(1)} s: ${checked.length} checked (answer after ${checked.map((ms) => (ms / 1000).toFixed(1)).join(", ")} s), ${turnedAway.length} answered "server unavailable" unchecked`,
    );
    expect(checked.length + turnedAway.length).toBe(200);
    // Default throttle: 5 at once, then one per 2 s, nobody waits over 30 s.
    expect(checked.length).toBeGreaterThanOrEqual(5);
    expect(checked.length).toBeLessThanOrEqual(25);
    expect(checked.slice(0, 5).every((ms) => ms < 2_000)).toBe(true);
    const later = checked.slice(5);
    expect(later.length).toBeGreaterThan(5);
    later.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual((i + 1) * 2_000 - 500);
    });
    expect(coordinator.output.join("\n")).toContain("login throttled");
  });

  it("keeps other logins from the same address unslowed; an unknown name gets the same answer", async () => {
    const other = await login(ws2.username, ws2.password);
    expect(other.code).toBe(0);
    expect(other.ms).toBeLessThan(2_000);
    await other.client.endAsync();
    const unknown = await login("agent.9999.99", "wrong");
    const wrong = await login(ws2.posUsername, "wrong");
    expect([unknown.code, wrong.code]).toEqual([4, 4]);
    await Promise.all([unknown.client.endAsync(true), wrong.client.endAsync(true)]);
  });

  it("still accepts the legacy agent:{store}:{ws} username and client id of configs in the field", async () => {
    for (const clientId of ["agent:1001:02", "agent.1001.02"]) {
      const legacy = await login("agent:1001:02", ws2.password, clientId);
      expect(legacy.code).toBe(0);
      await legacy.client.endAsync();
    }
    const pos = await login("pos:1001:02", ws2.posPassword, "pos:1001:02");
    expect(pos.code).toBe(0);
    await pos.client.endAsync();
  });
});
