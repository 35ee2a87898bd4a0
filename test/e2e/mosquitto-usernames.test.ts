import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TempDir, tempDir } from "../support/temp.js";
import { startMosquitto } from "./mosquitto.js";

/**
 * Issue 8, item 22: the broker usernames the coordinator issues
 * (`agent.{store}.{ws}`, `pos.{store}.{ws}`) work with a real Mosquitto:
 * `mosquitto_passwd` takes them (it refuses the old `agent:1001:01`), and a
 * user line in an ACL file gives the agent its own topics only.
 */

const run = promisify(execFile);
const ROOT = "tillroll/v1";
const own = (kind: string) => `${ROOT}/ws/1001/01/${kind}`;

let dir: TempDir;
let broker: { url: string; stop(): Promise<void> };
const clients: MqttClient[] = [];

async function passwd(file: string, username: string, password: string) {
  return run("mosquitto_passwd", ["-b", file, username, password]);
}

function login(username: string, password: string, clientId: string) {
  const options: IClientOptions = {
    protocolVersion: 4,
    clean: true,
    clientId,
    username,
    password,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  };
  const client = connect(broker.url, options);
  clients.push(client);
  return new Promise<{ code: number; client: MqttClient }>((resolve, reject) => {
    client.once("connect", () => resolve({ code: 0, client }));
    client.once("error", (error) => {
      const code = (error as { code?: unknown }).code;
      if (typeof code === "number") resolve({ code, client });
      else reject(error);
    });
  });
}

beforeAll(async () => {
  dir = await tempDir("mosquitto-usernames");
  const passwordFile = join(dir.path, "passwd");
  const aclFile = join(dir.path, "acl");
  await writeFile(passwordFile, "", { mode: 0o600 });
  await passwd(passwordFile, "agent.1001.01", "secret");
  await passwd(passwordFile, "pos.1001.01", "pos-secret");
  await passwd(passwordFile, "tillroll-coordinator", "coordinator-secret");
  await writeFile(
    aclFile,
    [
      // As in the README's external-broker section.
      "user agent.1001.01",
      ...["status", "presence", "log", "maintenance", "notice"].map((k) => `topic write ${own(k)}`),
      ...["desired", "session"].map((k) => `topic read ${own(k)}`),
      "",
      "user pos.1001.01",
      `topic write ${own("session")}`,
      `topic read ${own("notice")}`,
      "",
      "user tillroll-coordinator",
      `topic readwrite ${ROOT}/#`,
      "",
    ].join("\n"),
  );
  broker = await startMosquitto(dir.path, { passwordFile, aclFile });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await broker?.stop();
  await dir?.cleanup();
});

describe("Mosquitto takes the coordinator's usernames", () => {
  it("mosquitto_passwd refuses the old agent:1001:01 form", async () => {
    const file = join(dir.path, "old-passwd");
    await writeFile(file, "");
    await expect(passwd(file, "agent:1001:01", "secret")).rejects.toThrow(/':'|character/);
  });

  it("accepts agent.1001.01 with its fixed client id, and its ACL user line gives it its own topics", async () => {
    const coordinator = await login("tillroll-coordinator", "coordinator-secret", "coord-1");
    expect(coordinator.code).toBe(0);
    const seen: string[] = [];
    coordinator.client.on("message", (topic, payload) => seen.push(`${topic} ${payload}`));
    await coordinator.client.subscribeAsync(`${ROOT}/ws/+/+/status`, { qos: 1 });

    const agent = await login("agent.1001.01", "secret", "agent.1001.01");
    expect(agent.code).toBe(0);
    const got: string[] = [];
    agent.client.on("message", (topic) => got.push(topic));
    // Mosquitto 2 grants a SUBACK either way and applies the ACL on delivery.
    await agent.client.subscribeAsync([own("desired"), `${ROOT}/ws/1001/02/desired`], { qos: 1 });
    await coordinator.client.publishAsync(`${ROOT}/ws/1001/02/desired`, "other", { qos: 1 });
    await coordinator.client.publishAsync(own("desired"), "own", { qos: 1 });
    await agent.client.publishAsync(own("status"), '{"hello":1}', { qos: 1 });
    const deadline = Date.now() + 5_000;
    while (!seen.includes(`${own("status")} {"hello":1}`) || !got.includes(own("desired"))) {
      if (Date.now() > deadline)
        throw new Error(`not received: ${seen.join("; ")} / ${got.join("; ")}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(got).toEqual([own("desired")]);
  });

  it("accepts pos.1001.01 and refuses a wrong password", async () => {
    expect((await login("pos.1001.01", "pos-secret", "pos.1001.01")).code).toBe(0);
    const wrong = await login("agent.1001.01", "wrong", "agent-wrong");
    expect([4, 5]).toContain(wrong.code);
  });
});
