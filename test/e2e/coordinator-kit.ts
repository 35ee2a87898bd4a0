import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { JsonRow } from "@tillroll/coordinator";
// The CLI's own row shape, from its module alone (the package index would load the whole coordinator into the test).
import { toJsonRow } from "../../coordinator/src/fleet/status-table.js";
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
    // Set-up, not the subject: the API answer `workstation add --json` prints, without a CLI process.
    const enrolled = await this.coordinator.apiPost<Enrolled>(
      "/api/workstations",
      { store, workstation, group },
      201,
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
    // The body `tillroll set-preferred … --install` sends, without a CLI process.
    await this.coordinator.apiPost("/api/set-preferred", {
      function: "pos-client",
      version,
      install: true,
      filters: filtersOfFlags(filter),
      all: filter.length === 0,
      dryRun: false,
    });
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
    // What `tillroll pack publish` sends, without a CLI process.
    await this.coordinator.apiPost("/api/packs", await readFile(pack.path), 201);
  }

  /**
   * Every row as `tillroll status --json` prints it, read from `GET
   * /api/status` in this process (the CLI's own source; no process spawned).
   */
  async rows(): Promise<JsonRow[]> {
    const rows = await this.coordinator.apiGet<Parameters<typeof toJsonRow>[0][]>("/api/status");
    return rows.map(toJsonRow);
  }

  /** `tillroll status FILTERS --json` (a real CLI process): for tests about the CLI's filters. */
  cliRows(...filters: string[]): Promise<JsonRow[]> {
    return this.coordinator.consoleJson<JsonRow[]>("status", ...filters);
  }

  /** Polls the fleet's rows (`rows()`) until `done`, remembering every row state seen. */
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
    await this.coordinator.close().catch(() => undefined);
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

/**
 * Filter flags as `tillroll set-preferred` sends them (`--store 1001 --group
 * DE` -> `{store: "1001", group: "DE"}`; a flag given twice is a list).
 */
export function filtersOfFlags(flags: readonly string[]): Record<string, string | string[]> {
  const filters: Record<string, string | string[]> = {};
  for (let i = 0; i < flags.length; i += 2) {
    const flag = flags[i] ?? "";
    const value = flags[i + 1];
    if (!flag.startsWith("--") || value === undefined)
      throw new Error(`filter flags: ${JSON.stringify(flags)} are not --NAME VALUE pairs`);
    const name = flag.slice(2);
    const before = filters[name];
    filters[name] = before === undefined ? value : [before, value].flat();
  }
  return filters;
}
