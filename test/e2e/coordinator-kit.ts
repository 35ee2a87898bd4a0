import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { JsonRow } from "@tillroll/coordinator";
import { buildPack, type PackSpec } from "../support/packs.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { AgentProcess } from "./agent-harness.js";
import { killProcessesUnder } from "./agent-kit.js";
import { CoordinatorProcess, type CoordinatorProcessOptions } from "./coordinator-harness.js";
import { startMosquitto } from "./mosquitto.js";

export type { JsonRow };

interface Enrolled {
  username: string;
  password: string;
  posUsername: string;
  posPassword: string;
  agentConfig: { broker: string; coordinatorKey: string; ca?: string };
  /** With TLS: the CA to save beside agent.json as ca.pem. */
  caPem?: string;
}

/** A coordinator process (embedded broker, or an external Mosquitto) and real agents enrolled through the console. */
export class CoordinatorKit {
  readonly agents = new Map<string, AgentProcess>();
  readonly credentials = new Map<string, Enrolled>();

  private constructor(
    readonly dir: TempDir,
    readonly coordinator: CoordinatorProcess,
    private readonly stopBroker: () => Promise<void>,
  ) {}

  static async create(
    name: string,
    broker: "embedded" | "mosquitto" = "embedded",
    options: CoordinatorProcessOptions = {},
  ): Promise<CoordinatorKit> {
    const dir = await tempDir(name);
    let stopBroker = async () => {};
    let brokerUrl: string | undefined;
    if (broker === "mosquitto") {
      const mosquitto = await startMosquitto(dir.path);
      brokerUrl = mosquitto.url;
      stopBroker = mosquitto.stop;
    }
    const coordinator = await CoordinatorProcess.create(join(dir.path, "data"), brokerUrl, options);
    await coordinator.start();
    return new CoordinatorKit(dir, coordinator, stopBroker);
  }

  async enrolAndStart(
    id: string,
    group: string,
    readiness: unknown[] = [{ type: "session" }],
  ): Promise<AgentProcess> {
    const [store = "", workstation = ""] = id.split("/");
    const enrolled = await this.coordinator.consoleJson<Enrolled>(
      "workstation",
      "add",
      id,
      "--group",
      group,
    );
    this.credentials.set(id, enrolled);
    const agentDir = join(this.dir.path, `ws-${store}-${workstation}`);
    await mkdir(agentDir, { recursive: true });
    // Under TLS the enrolment answer carries the CA; the config names it "ca.pem", beside it.
    if (enrolled.caPem !== undefined) await writeFile(join(agentDir, "ca.pem"), enrolled.caPem);
    const agent = new AgentProcess({
      dir: agentDir,
      brokerUrl: enrolled.agentConfig.broker,
      coordinatorKey: enrolled.agentConfig.coordinatorKey,
      store,
      workstation,
      readiness,
      recheckSeconds: 0.3,
      extraConfig: {
        username: enrolled.username,
        password: enrolled.password,
        group,
        reconnectMaxSeconds: 2,
        ...(enrolled.agentConfig.ca === undefined ? {} : { ca: enrolled.agentConfig.ca }),
      },
    });
    await agent.start();
    this.agents.set(id, agent);
    return agent;
  }

  /**
   * Asks for pos-client `version` with `--install` on the workstations
   * matched by `filter` (none: the whole fleet, with --all); waits for nothing.
   */
  async requestInstall(version: string, ...filter: string[]): Promise<void> {
    await this.coordinator.console(
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      version,
      "--install",
      ...(filter.length === 0 ? ["--all"] : filter),
    );
  }

  /**
   * First install of pos-client `version` on every enrolled workstation
   * matched by `filter` (none: the whole fleet, with --all), waited for.
   */
  async install(version: string, ...filter: string[]): Promise<JsonRow[]> {
    await this.requestInstall(version, ...filter);
    return this.until(
      `pos-client ${version} installed`,
      (rs) =>
        rs.length === this.agents.size &&
        rs.every((r) => r.status === "OK" && r.activeVersion === version),
    );
  }

  async publish(spec: PackSpec): Promise<void> {
    const pack = await buildPack(join(this.dir.path, "packs", `${spec.version}`), spec);
    await this.coordinator.console("pack", "publish", pack.path);
  }

  rows(...filters: string[]): Promise<JsonRow[]> {
    return this.coordinator.consoleJson<JsonRow[]>("status", ...filters);
  }

  /** Polls `tillroll status --json` until `done`, remembering every row state seen. */
  async until(
    what: string,
    done: (rows: JsonRow[]) => boolean,
    timeoutMs = 30_000,
    seen?: (rows: JsonRow[]) => void,
  ): Promise<JsonRow[]> {
    const deadline = Date.now() + timeoutMs;
    let rows: JsonRow[] = [];
    while (Date.now() < deadline) {
      rows = await this.rows();
      seen?.(rows);
      if (done(rows)) return rows;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const logs = [...this.agents]
      .map(([id, agent]) => `--- agent ${id}\n${agent.log()}`)
      .join("\n");
    throw new Error(
      `timed out waiting until ${what}; rows: ${JSON.stringify(rows, null, 2)}\n--- coordinator\n${this.coordinator.output.join("\n")}\n${logs}`,
    );
  }

  async close(): Promise<void> {
    // close(): the agents' services outlive them; their pid files say what to end.
    for (const agent of this.agents.values()) await agent.close();
    await this.coordinator.stop().catch(() => undefined);
    await this.stopBroker();
    await killProcessesUnder(this.dir.path);
    await this.dir.cleanup();
    for (const agent of this.agents.values()) agent.assertLegalTransitions();
  }
}

export function row(rows: JsonRow[], id: string, fn = "pos-client"): JsonRow | undefined {
  const [store, workstation] = id.split("/");
  return rows.find((r) => r.store === store && r.workstation === workstation && r.function === fn);
}
