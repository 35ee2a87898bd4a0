import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { get as httpGet } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { promisify } from "node:util";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOrCreateTls } from "../../coordinator/src/tls/certificates.js";
import { freePort, tempDir } from "../support/temp.js";
import { CoordinatorProcess, TILLROLL_CLI } from "./coordinator-harness.js";
import { CoordinatorKit, row } from "./coordinator-kit.js";

const run = promisify(execFile);

/**
 * Issue 9, acceptance 2: a real `tillroll coordinator --tls` process and
 * real agents enrolled through the console. The enrolment answer carries
 * the generated CA; the agents pin it, talk MQTT over mqtts:// and download
 * packs over https://. Without --allow-plaintext there is no clear-text
 * listener: plain MQTT and plain HTTP to its ports fail, as does a client
 * pinning another CA.
 */

/** Outcome of a GET over https with `ca` pinned: the status, or the error's code. */
function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { ca }, (res) => {
      res.resume();
      resolve(`status ${res.statusCode}`);
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve(`error ${error.code ?? error.message}`),
    );
    req.setTimeout(5000, () => req.destroy(new Error("timeout")));
    req.end();
  });
}

function plainGet(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpGet(url, (res) => {
      res.resume();
      resolve(`status ${res.statusCode}`);
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve(`error ${error.code ?? error.message}`),
    );
    req.setTimeout(5000, () => req.destroy(new Error("timeout")));
  });
}

/** Tries one MQTT CONNECT; resolves "connected" or the error's text. */
async function tryMqtt(url: string, options: mqtt.IClientOptions): Promise<string> {
  const client = mqtt.connect(url, {
    ...options,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  try {
    return await new Promise<string>((resolve) => {
      client.once("connect", () => resolve("connected"));
      client.once("error", (error) => resolve(`error ${error.message}`));
      client.once("close", () => resolve("closed"));
    });
  } finally {
    client.end(true);
  }
}

describe("coordinator --tls end to end", () => {
  let kit: CoordinatorKit;
  let caPem: string;
  let otherCaPem: string;
  beforeAll(async () => {
    kit = await CoordinatorKit.create("coordinator-tls", "embedded", { tls: true });
    caPem = await readFile(kit.coordinator.caPath, "utf8");
    const other = await loadOrCreateTls({
      dir: join(kit.dir.path, "other-ca"),
      publicHost: "127.0.0.1",
      now: Date.now,
    });
    if (!other.ok) throw new Error(other.error);
    otherCaPem = other.value.caPem ?? "";
    for (const version of ["1.0.0", "1.1.0"])
      await kit.publish({ name: "pos-client", version, health: "none" });
  }, 60_000);
  afterAll(async () => {
    await kit.close();
  });

  it("starts with the generated material and logs it", () => {
    const out = kit.coordinator.output.join("\n");
    expect(out).toMatch(/tls: created .*ca\.pem/i);
    expect(out).toMatch(/broker: listening on 127\.0\.0\.1:\d+ \(TLS\)/);
    expect(out).toContain(`coordinator: http https://127.0.0.1:${kit.coordinator.httpPort}`);
  });

  it("enrols with an mqtts:// broker, the CA, and agents update over mqtts:// and https://", {
    timeout: 90_000,
  }, async () => {
    const agent = await kit.enrolAndStart("1001/01", "DE/North", []);
    const enrolled = kit.credentials.get("1001/01");
    expect(enrolled?.agentConfig.broker).toBe(`mqtts://127.0.0.1:${kit.coordinator.mqttPort}`);
    expect(enrolled?.agentConfig.ca).toBe("ca.pem");
    expect(enrolled?.caPem).toBe(caPem);
    await kit.enrolAndStart("1001/02", "DE/North", []);
    await kit.install("1.0.0", "--store", "1001");
    await kit.coordinator.console(
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      "1.1.0",
      "--store",
      "1001",
    );
    const rows = await kit.until("both on 1.1.0", (rs) =>
      ["1001/01", "1001/02"].every(
        (id) => row(rs, id)?.status === "OK" && row(rs, id)?.activeVersion === "1.1.0",
      ),
    );
    expect(rows.every((r) => r.online)).toBe(true);
    expect(agent.log()).not.toMatch(/certificate/i);
  });

  it("prints the CA in the human enrolment output", async () => {
    const text = await kit.coordinator.console("workstation", "add", "1002/01");
    expect(text).toContain("save beside agent.json as ca.pem");
    expect(text).toContain(caPem.trimEnd());
    expect(text).toContain('"ca": "ca.pem"');
  });

  it("refuses a plain-text MQTT client and a plain HTTP request (no --allow-plaintext)", async () => {
    const enrolled = kit.credentials.get("1001/01");
    const plain = await tryMqtt(`mqtt://127.0.0.1:${kit.coordinator.mqttPort}`, {
      username: enrolled?.username ?? "",
      password: enrolled?.password ?? "",
      clientId: "plain-text-client",
    });
    expect(plain).not.toBe("connected");
    expect(await plainGet(`http://127.0.0.1:${kit.coordinator.httpPort}/healthz`)).toMatch(
      /^error /,
    );
    // The same requests over TLS with the right CA are served.
    expect(await httpsGet(`https://127.0.0.1:${kit.coordinator.httpPort}/healthz`, caPem)).toBe(
      "status 200",
    );
  });

  it("refuses clients that pin another CA (MQTT, HTTPS and the console)", async () => {
    const enrolled = kit.credentials.get("1001/01");
    const mqttWrongCa = await tryMqtt(`mqtts://127.0.0.1:${kit.coordinator.mqttPort}`, {
      username: enrolled?.username ?? "",
      password: enrolled?.password ?? "",
      clientId: "wrong-ca-client",
      ca: otherCaPem,
    });
    expect(mqttWrongCa).toMatch(/certificate|self[- ]signed/i);
    expect(
      await httpsGet(`https://127.0.0.1:${kit.coordinator.httpPort}/healthz`, otherCaPem),
    ).toMatch(/^error .*(CERT|SIGNATURE)/);
    const otherCaFile = join(kit.dir.path, "other-ca", "ca.pem");
    const refused = await run(process.execPath, [
      TILLROLL_CLI,
      "status",
      `--url=${kit.coordinator.url}`,
      `--token=${await kit.coordinator.token()}`,
      `--ca=${otherCaFile}`,
    ]).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /TLS certificate this console does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): give --ca/,
    );
  });
});

describe("coordinator --tls --allow-plaintext", () => {
  it("adds plain-text listeners on their own ports; the TLS ports stay TLS only", {
    timeout: 60_000,
  }, async () => {
    const dir = await tempDir("coordinator-tls-plain");
    const plainMqtt = await freePort();
    const plainHttp = await freePort();
    const coordinator = await CoordinatorProcess.create(join(dir.path, "data"), undefined, {
      tls: true,
      extraArgs: [
        "--allow-plaintext",
        "--plain-mqtt-port",
        String(plainMqtt),
        "--plain-http-port",
        String(plainHttp),
      ],
    });
    try {
      await coordinator.start();
      expect(coordinator.output.join("\n")).toContain(`plain text on 127.0.0.1:${plainMqtt}`);
      const ca = await readFile(coordinator.caPath, "utf8");
      const enrolled = await coordinator.consoleJson<{ username: string; password: string }>(
        "workstation",
        "add",
        "1001/01",
      );
      const login = { username: enrolled.username, password: enrolled.password };
      expect(
        await tryMqtt(`mqtt://127.0.0.1:${plainMqtt}`, { ...login, clientId: "agent.1001.01" }),
      ).toBe("connected");
      expect(
        await tryMqtt(`mqtts://127.0.0.1:${coordinator.mqttPort}`, {
          ...login,
          clientId: "agent.1001.01",
          ca,
        }),
      ).toBe("connected");
      expect(
        await tryMqtt(`mqtt://127.0.0.1:${coordinator.mqttPort}`, {
          ...login,
          clientId: "agent.1001.01",
        }),
      ).not.toBe("connected");
      expect(await plainGet(`http://127.0.0.1:${plainHttp}/healthz`)).toBe("status 200");
      expect(await plainGet(`http://127.0.0.1:${coordinator.httpPort}/healthz`)).toMatch(/^error /);
      expect(await httpsGet(`https://127.0.0.1:${coordinator.httpPort}/healthz`, ca)).toBe(
        "status 200",
      );
    } finally {
      await coordinator.close();
      await dir.cleanup();
    }
  });
});
