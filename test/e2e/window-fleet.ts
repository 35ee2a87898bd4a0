import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Agent, parseAgentConfig } from "@tillroll/agent";
import { Coordinator, type JsonRow } from "@tillroll/coordinator";
import { buildPack, type PackSpec } from "../support/packs.js";
import type { TestDatabase } from "../support/postgres.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { pollUntil } from "../support/wait.js";
import { killServiceGroups } from "./agent-harness.js";
import { killProcessesUnder } from "./agent-kit.js";
import { type CliResult, runCli, showRelease, statusRows } from "./console-calls.js";
import { LinkCut } from "./link-cut.js";
import { describeRow, type ReleaseView } from "./release-probes.js";
import { TestClock } from "./test-clock.js";
import { storeDatabase } from "./test-store.js";

/**
 * Schedules end to end with time under the test's control: a real
 * coordinator (embedded broker, HTTP API, release runner) in this process
 * and real agents in this process too, all on one TestClock, each agent
 * reaching the broker through its own LinkCut (the store's uplink). Services
 * are real processes from real packs; the console is the real `tillroll` CLI.
 */

interface Enrolled {
  username: string;
  password: string;
  agentConfig: { broker: string; coordinatorKey: string };
}

/** One till: its agent, its uplink, its folders and its log. */
export interface Till {
  readonly id: string;
  readonly dir: string;
  readonly link: LinkCut;
  readonly log: string[];
  agent: Agent;
}

/** What the till's own journal (state/agent.json) says of pos-client: its local status. */
export interface LocalService {
  status: string;
  activeVersion: string | null;
  reason: string | null;
  updatedAt: string;
}

export class WindowFleet {
  readonly tills = new Map<string, Till>();
  private documents = 0;

  private constructor(
    readonly dir: TempDir,
    readonly clock: TestClock,
    readonly coordinator: Coordinator,
    readonly token: string,
    readonly logs: string[],
    /** Under TILLROLL_TEST_STORE=postgres: the coordinator's own database. */
    private readonly database: TestDatabase | undefined,
  ) {}

  /**
   * A coordinator at `at` (TestClock), the packs published, and a till per
   * `tills` entry (id → group) on `installed`, with nothing preferred after.
   */
  static async create(
    name: string,
    options: {
      at: string;
      packs: PackSpec[];
      tills: Record<string, string>;
      installed: string;
      /** The coordinator's notice retries wait in virtual time: TestClock.virtualSleep(realMs). */
      virtualRetries?: { realMs: number };
    },
  ): Promise<WindowFleet> {
    const dir = await tempDir(name);
    const clock = new TestClock(options.at);
    const logs: string[] = [];
    const database = await storeDatabase();
    const coordinator = await Coordinator.start({
      dataDir: join(dir.path, "data"),
      database: database?.url,
      mqttPort: 0,
      httpPort: 0,
      now: clock.now,
      ...(options.virtualRetries === undefined
        ? {}
        : { sleep: clock.virtualSleep(options.virtualRetries.realMs) }),
      log: (line) => logs.push(line),
      passwordParams: { N: 2 ** 10, r: 8, p: 1 },
    });
    const token = (await readFile(join(coordinator.dataDir, "operator-token"), "utf8")).trim();
    const fleet = new WindowFleet(dir, clock, coordinator, token, logs, database);
    try {
      for (const spec of options.packs) {
        const pack = await buildPack(join(dir.path, "packs", spec.version), spec);
        await fleet.setUp("/api/packs", await readFile(pack.path), 201);
      }
      for (const [id, group] of Object.entries(options.tills)) await fleet.enrol(id, group);
      await fleet.setUp("/api/set-preferred", preferAll(options.installed, true), 200);
      await fleet.untilRows(`${options.installed} everywhere`, (rows) =>
        rows.every((r) => r.status === "OK" && r.activeVersion === options.installed),
      );
      await fleet.setUp("/api/set-preferred", preferAll("-", false), 200);
      await fleet.untilRows("nothing preferred", (rows) =>
        rows.every((r) => r.status === "OK" && r.preferredVersion === null),
      );
    } catch (error) {
      await fleet.close();
      throw error;
    }
    return fleet;
  }

  private async enrol(id: string, group: string): Promise<void> {
    const [store = "", workstation = ""] = id.split("/");
    const enrolled = (await this.setUp(
      "/api/workstations",
      { store, workstation, group },
      201,
    )) as Enrolled;
    const dir = join(this.dir.path, `ws-${store}-${workstation}`);
    await mkdir(dir, { recursive: true });
    const link = await LinkCut.open(enrolled.agentConfig.broker);
    const configPath = join(dir, "agent.json");
    const input = {
      store,
      workstation,
      broker: link.url,
      root: join(dir, "root"),
      state: join(dir, "state"),
      coordinatorKey: enrolled.agentConfig.coordinatorKey,
      username: enrolled.username,
      password: enrolled.password,
      group,
      readiness: [],
      recheckSeconds: 0.3,
      reconnectMaxSeconds: 1,
    };
    await writeFile(configPath, JSON.stringify(input, null, 2));
    const config = parseAgentConfig(input, configPath);
    if (!config.ok) throw new Error(`agent config ${id}: ${config.error}`);
    const log: string[] = [];
    const agent = await Agent.start({
      config: config.value,
      clock: this.clock,
      log: (line) => log.push(`${this.clock.iso()} ${line}`),
    });
    this.tills.set(id, { id, dir, link, log, agent });
  }

  till(id: string): Till {
    const till = this.tills.get(id);
    if (till === undefined) throw new Error(`no till ${id}`);
    return till;
  }

  /**
   * Set-up through the API as the platform admin: the body the CLI would
   * send, without a CLI process (~0.8 s of CPU each); throws unless `status`.
   */
  private async setUp(path: string, body: unknown, status: number): Promise<unknown> {
    const raw = Buffer.isBuffer(body);
    const response = await fetch(`${this.coordinator.httpUrl}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${this.token}`,
        "content-type": raw ? "application/octet-stream" : "application/json",
      },
      body: raw ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status !== status) throw new Error(`POST ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  }

  /** The platform admin's CLI (`tillroll ARGS`), any exit code. */
  cli(...args: string[]): Promise<CliResult> {
    return runCli(this.coordinator.httpUrl, this.token, this.dir.path, args);
  }

  /** The CLI, throwing unless it exits 0. */
  async must(...args: string[]): Promise<CliResult> {
    const result = await this.cli(...args);
    if (result.code !== 0)
      throw new Error(`tillroll ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
    return result;
  }

  /** `release create --file F --json` (as the platform admin). */
  async createRelease(document: unknown): Promise<ReleaseView> {
    this.documents += 1;
    const file = join(this.dir.path, `release-${this.documents}.json`);
    await writeFile(file, JSON.stringify(document, null, 2));
    const created = await this.must("release", "create", "--file", file, "--json");
    return JSON.parse(created.stdout) as ReleaseView;
  }

  show(id: string): Promise<ReleaseView> {
    return showRelease(this.coordinator.httpUrl, this.token, id);
  }

  /** Waits until release `id` is in `state`. */
  untilState(id: string, state: string, timeoutMs = 30_000): Promise<ReleaseView> {
    return this.poll(
      `release ${id} ${state}`,
      async () => {
        const seen = await this.show(id);
        return seen.state === state ? seen : undefined;
      },
      timeoutMs,
    );
  }

  rows(): Promise<JsonRow[]> {
    return statusRows(this.coordinator.httpUrl, this.token);
  }

  /** The till's local status of pos-client, from its own journal (no broker needed). */
  async local(id: string): Promise<LocalService | undefined> {
    try {
      const file = JSON.parse(
        await readFile(join(this.till(id).dir, "state", "agent.json"), "utf8"),
      );
      return (file as { data: { services: Record<string, LocalService> } }).data.services[
        "pos-client"
      ];
    } catch {
      return undefined; // between a write and its rename: ask again
    }
  }

  /** Polls the status overview until `done`, at most `timeoutMs`; the failure shows rows and logs. */
  async untilRows(
    what: string,
    done: (rows: JsonRow[]) => boolean,
    timeoutMs = 30_000,
  ): Promise<JsonRow[]> {
    return this.poll(
      what,
      async () => {
        const rows = await this.rows();
        return done(rows) ? rows : undefined;
      },
      timeoutMs,
    );
  }

  /** Polls `check` every 150 ms until it answers something, at most `timeoutMs`; the failure shows rows and logs. */
  async poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    try {
      return await pollUntil(check, timeoutMs, what, 150);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await this.describe()}`);
    }
  }

  /** Rows, the coordinator's last lines and each till's, for a failure message. */
  async describe(): Promise<string> {
    const rows = await this.rows().catch(() => [] as JsonRow[]);
    const tills = [...this.tills.values()].map(
      (t) => `--- till ${t.id} (link ${t.link.up ? "up" : "cut"})\n${t.log.slice(-25).join("\n")}`,
    );
    return `now ${this.clock.iso()}\n--- rows\n${rows.map(describeRow).join("\n")}\n--- coordinator\n${this.logs
      .slice(-30)
      .join("\n")}\n${tills.join("\n")}`;
  }

  async close(): Promise<void> {
    for (const till of this.tills.values()) {
      await till.agent.stop().catch(() => undefined);
      // The agent's services outlive it: end them by the groups in its pid files.
      await killServiceGroups(join(till.dir, "state"));
      await till.link.close();
    }
    await this.coordinator.stop().catch(() => undefined);
    await this.database?.drop();
    await killProcessesUnder(this.dir.path);
    await this.dir.cleanup();
  }
}

/** `set-preferred --function pos-client --version V [--install] --all`, as its API body. */
function preferAll(version: string, install: boolean): unknown {
  return { function: "pos-client", version, install, filters: {}, all: true, dryRun: false };
}
