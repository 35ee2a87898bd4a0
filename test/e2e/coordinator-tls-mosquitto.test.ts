import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { JsonRow } from "@tillroll/coordinator";
import { afterAll, describe, expect, it } from "vitest";
import { startMosquitto } from "../../coordinator/test/broker-config/mosquitto-process.js";
import { buildPack } from "../support/packs.js";
import { freePort, type TempDir, tempDir } from "../support/temp.js";
import { AgentProcess } from "./agent-harness.js";
import { killProcessesUnder } from "./agent-kit.js";
import { CoordinatorProcess } from "./coordinator-harness.js";

/**
 * Issue 9, acceptance 2, external broker: `tillroll broker-config
 * mosquitto` writes a Mosquitto config from a running `--tls` coordinator
 * (accounts and password hashes over the API, the generated TLS files);
 * Mosquitto serves it; the coordinator restarts against it with the
 * `--broker` URL the command printed, and an agent enrolled earlier connects
 * over mqtts:// with the enrolment's CA and updates, its packs over https://.
 */

interface Enrolled {
  username: string;
  password: string;
  caPem?: string;
  agentConfig: { broker: string; coordinatorKey: string; ca?: string };
}

interface BrokerConfigReport {
  files: { conf: string; acl: string; passwords: string };
  accounts: number;
  withoutPasswordLine: string[];
  coordinatorBrokerUrl: string | null;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function until(
  coordinator: CoordinatorProcess,
  what: string,
  done: (rows: JsonRow[]) => boolean,
  agent: AgentProcess,
): Promise<JsonRow[]> {
  const deadline = Date.now() + 40_000;
  let rows: JsonRow[] = [];
  while (Date.now() < deadline) {
    rows = await coordinator.consoleJson<JsonRow[]>("status");
    if (done(rows)) return rows;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `timed out until ${what}: ${JSON.stringify(rows)}\n--- coordinator\n${coordinator.output.join("\n")}\n--- agent\n${agent.log()}`,
  );
}

describe("coordinator --tls with Mosquitto configured by tillroll broker-config mosquitto", () => {
  it("an enrolled agent connects to Mosquitto over TLS and updates", {
    timeout: 120_000,
  }, async () => {
    const dir: TempDir = await tempDir("tls-mosquitto");
    cleanups.push(async () => {
      await killProcessesUnder(dir.path);
      await dir.cleanup();
    });
    const dataDir = join(dir.path, "data");

    // 1. The coordinator with its embedded broker, TLS on: enrol, write the broker config.
    const first = await CoordinatorProcess.create(dataDir, undefined, { tls: true });
    await first.start();
    cleanups.push(() => first.close());
    const enrolled = await first.consoleJson<Enrolled>(
      "workstation",
      "add",
      "1001/01",
      "--group",
      "DE/North",
    );
    const port = await freePort();
    const outDir = join(dir.path, "mosquitto");
    const report = await first.consoleJson<BrokerConfigReport>(
      "broker-config",
      "mosquitto",
      "--out",
      outDir,
      "--port",
      String(port),
      // Mosquitto started as root drops to user "mosquitto", which cannot read this test's 0600 key.
      ...(process.getuid?.() === 0 ? ["--run-as", "root"] : []),
    );
    expect(report.accounts).toBe(2);
    expect(report.withoutPasswordLine).toEqual([]);
    expect(report.coordinatorBrokerUrl).toMatch(
      new RegExp(`^mqtts://tillroll-coordinator:[^@]+@MOSQUITTO-HOST:${port}$`),
    );
    await first.stop();

    // 2. Mosquitto with those files; the coordinator against it, with the printed URL.
    const mosquitto = await startMosquitto(report.files.conf, port);
    cleanups.push(() => mosquitto.stop());
    const brokerUrl = (report.coordinatorBrokerUrl ?? "").replace("MOSQUITTO-HOST", "127.0.0.1");
    const coordinator = await CoordinatorProcess.create(dataDir, brokerUrl, {
      tls: true,
      // The same coordinator moved onto Mosquitto: its store too (under PostgreSQL).
      database: first.database,
    });
    await coordinator.start().catch((error: Error) => {
      throw new Error(`${error.message}\n--- mosquitto\n${mosquitto.log()}`);
    });
    cleanups.push(() => coordinator.close());
    // The coordinator's own account now comes from --broker (only its hash is handed out).
    const again = await coordinator.consoleJson<BrokerConfigReport>(
      "broker-config",
      "mosquitto",
      "--out",
      join(dir.path, "mosquitto-again"),
      "--port",
      String(port),
    );
    expect(again.coordinatorBrokerUrl).toBeNull();

    // 3. The agent enrolled in step 1, pointed at Mosquitto, pinning the enrolment's CA.
    expect(enrolled.caPem).toBeDefined();
    expect(enrolled.agentConfig.ca).toBe("ca.pem");
    const agentDir = join(dir.path, "ws-1001-01");
    await mkdir(agentDir, { recursive: true });
    await writeFile(join(agentDir, "ca.pem"), enrolled.caPem ?? "");
    const agent = new AgentProcess({
      dir: agentDir,
      brokerUrl: `mqtts://127.0.0.1:${port}`,
      coordinatorKey: enrolled.agentConfig.coordinatorKey,
      store: "1001",
      workstation: "01",
      readiness: [],
      recheckSeconds: 0.3,
      extraConfig: {
        username: enrolled.username,
        password: enrolled.password,
        group: "DE/North",
        reconnectMaxSeconds: 2,
        ca: enrolled.agentConfig.ca,
      },
    });
    await agent.start();
    // close(): the agent's services outlive it; its pid files say what to end.
    cleanups.push(() => agent.close());

    for (const version of ["1.0.0", "1.1.0"]) {
      const pack = await buildPack(join(dir.path, "packs", version), {
        name: "pos-client",
        version,
        health: "none",
      });
      await coordinator.console("pack", "publish", pack.path);
    }
    const setPreferred = (version: string, ...more: string[]) =>
      coordinator.console(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        version,
        "--store",
        "1001",
        ...more,
      );
    const on = (version: string) => (rows: JsonRow[]) =>
      rows.some((r) => r.workstation === "01" && r.status === "OK" && r.activeVersion === version);
    await setPreferred("1.0.0", "--install");
    await until(coordinator, "1.0.0 installed", on("1.0.0"), agent);
    await setPreferred("1.1.0");
    const rows = await until(coordinator, "1.1.0 active", on("1.1.0"), agent);
    expect(rows.find((r) => r.workstation === "01")?.online).toBe(true);
    expect(agent.log()).not.toMatch(/not authori[sz]ed|certificate/i);
  });
});
