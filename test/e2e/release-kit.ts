import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PackSpec } from "../support/packs.js";
import type { AgentProcess } from "./agent-harness.js";
import { type CliResult, callApi, runCli, showRelease, statusRows } from "./console-calls.js";
import type { CoordinatorProcessOptions } from "./coordinator-harness.js";
import { CoordinatorKit, type JsonRow } from "./coordinator-kit.js";
import { type DesiredSeen, durableDesired } from "./durable-desired.js";
import { connectPos, describeRow, FLEET, type Pos, type ReleaseView } from "./release-probes.js";

/**
 * Release tasks (issue 10) end to end: a fleet of real agents (3 stores × 2
 * tills) behind a real coordinator, operators to create and approve, the
 * release console over the CLI and the API, and the observers the tests
 * judge by: each agent's own record of its installs, the coordinator's
 * desired state on disk, and a sampler of the status overview.
 */

const GROUPS: Record<string, string> = {
  "1001": "DE/North",
  "1002": "DE/South",
  "1003": "DE/West",
};

export class ReleaseFleet {
  private readonly tokens = new Map<string, string>();
  /** Each added operator's password (for the web console's login page). */
  private readonly passwords = new Map<string, string>();
  private documents = 0;

  private constructor(
    readonly kit: CoordinatorKit,
    /** The tills this fleet runs (default FLEET: 3 stores × 2). */
    readonly tills: readonly string[],
  ) {}

  /**
   * A coordinator, the packs, 3 stores × 2 tills of real agents with 1.0.0
   * installed and then nothing preferred ("-"), and two approvers: rita
   * (who creates the releases) and paul (who approves them). `options`: fewer
   * tills, more coordinator flags (e.g. --smtp).
   */
  static async create(
    name: string,
    packs: PackSpec[],
    options: { tills?: readonly string[]; coordinator?: CoordinatorProcessOptions } = {},
  ): Promise<ReleaseFleet> {
    const kit = await CoordinatorKit.create(name, "embedded", options.coordinator);
    const tills = options.tills ?? FLEET;
    const fleet = new ReleaseFleet(kit, tills);
    try {
      for (const pack of packs) await kit.publish(pack);
      for (const id of tills) await kit.enrolAndStart(id, GROUPS[id.slice(0, 4)] ?? "DE");
      await kit.install("1.0.0");
      // `set-preferred --function pos-client --version - --all`, as its API body.
      await kit.coordinator.apiPost("/api/set-preferred", {
        function: "pos-client",
        version: "-",
        install: false,
        filters: {},
        all: true,
        dryRun: false,
      });
      await kit.until(
        "1.0.0 everywhere with nothing preferred",
        (rs) =>
          rs.length === tills.length &&
          rs.every(
            (r) => r.status === "OK" && r.activeVersion === "1.0.0" && r.preferredVersion === null,
          ),
      );
      fleet.tokens.set("admin", await kit.coordinator.token());
      for (const who of ["rita", "paul"]) await fleet.addOperator(who, "approver");
    } catch (error) {
      await kit.close();
      throw error;
    }
    return fleet;
  }

  /**
   * `operator add WHO --role ROLE [MORE…]` as the platform admin; WHO's token
   * kept for `cli(who)`, its password for `password(who)`.
   */
  async addOperator(who: string, role: string, ...more: string[]): Promise<void> {
    const added = await this.cli(
      "admin",
      "operator",
      "add",
      who,
      "--role",
      role,
      ...more,
      "--json",
    );
    if (added.code !== 0) throw new Error(`operator add ${who}: ${added.stderr}`);
    const answer = JSON.parse(added.stdout) as { token: string; password: string };
    this.tokens.set(who, answer.token);
    this.passwords.set(who, answer.password);
  }

  /** The password `addOperator` was given for `who` (the bootstrap admin's is in its start log). */
  password(who: string): string {
    const password = this.passwords.get(who);
    if (password === undefined) throw new Error(`no password kept for operator ${who}`);
    return password;
  }

  agent(id: string): AgentProcess {
    const agent = this.kit.agents.get(id);
    if (agent === undefined) throw new Error(`no agent ${id}`);
    return agent;
  }

  token(who: string): string {
    const token = this.tokens.get(who);
    if (token === undefined) throw new Error(`no operator ${who}`);
    return token;
  }

  /** The CLI as `who` runs it, any exit code. */
  cli(who: string, ...args: string[]): Promise<CliResult> {
    return runCli(this.kit.coordinator.url, this.token(who), this.kit.dir.path, args);
  }

  /** One API call as `who` (null: no login); the answer's status and parsed body. */
  api(
    who: string | null,
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    return callApi(
      this.kit.coordinator.url,
      who === null ? null : this.token(who),
      method,
      path,
      body,
    );
  }

  /** `release create --file F [FLAGS…]` as `who`, any exit code (refusals are answers too). */
  async tryCreateRelease(who: string, document: unknown, ...flags: string[]): Promise<CliResult> {
    this.documents += 1;
    const file = join(this.kit.dir.path, `release-${this.documents}.json`);
    await writeFile(file, JSON.stringify(document, null, 2));
    return this.cli(who, "release", "create", "--file", file, ...flags);
  }

  /** `release create --file F --json` as `who`; throws unless it exits 0. */
  async createRelease(who: string, document: unknown, ...flags: string[]): Promise<ReleaseView> {
    const created = await this.tryCreateRelease(who, document, "--json", ...flags);
    if (created.code !== 0)
      throw new Error(`release create exited ${created.code}: ${created.stderr}${created.stdout}`);
    return JSON.parse(created.stdout) as ReleaseView;
  }

  /** `release OP ID [--comment T]` as `who`; throws unless it exits 0. */
  async operate(who: string, op: string, id: string, comment?: string): Promise<CliResult> {
    const result = await this.cli(
      who,
      "release",
      op,
      id,
      ...(comment === undefined ? [] : ["--comment", comment]),
    );
    if (result.code !== 0)
      throw new Error(`release ${op} ${id} as ${who} exited ${result.code}: ${result.stderr}`);
    return result;
  }

  /**
   * Cancels release `id` if it still holds its rows (Running, Paused, Failed),
   * so a failed test does not leave the next one (or its retry) without rows.
   */
  async cancelIfActive(id: string | undefined): Promise<void> {
    if (id === undefined) return;
    const release = await this.show(id).catch(() => undefined);
    if (release !== undefined && ["Running", "Paused", "Failed"].includes(release.state))
      await this.cli("admin", "release", "cancel", id);
  }

  /** `GET /api/releases/show?id=ID`. */
  show(id: string): Promise<ReleaseView> {
    return showRelease(this.kit.coordinator.url, this.token("admin"), id);
  }

  /** Polls the release (and the rows) until `done`, at most `timeoutMs`; the failure says what was seen. */
  async untilRelease(
    id: string,
    what: string,
    done: (release: ReleaseView, rows: JsonRow[]) => boolean,
    timeoutMs = 60_000,
  ): Promise<{ release: ReleaseView; rows: JsonRow[] }> {
    const deadline = Date.now() + timeoutMs;
    let release: ReleaseView | undefined;
    let rows: JsonRow[] = [];
    let problem = "";
    while (Date.now() < deadline) {
      try {
        release = await this.show(id);
        rows = await this.statusRows();
        problem = "";
        if (done(release, rows)) return { release, rows };
      } catch (error) {
        // A coordinator restarting answers nothing for a moment.
        problem = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(
      `timed out after ${timeoutMs} ms waiting until ${what}\n${problem}\n--- release\n${JSON.stringify(
        release === undefined ? null : { ...release, history: release.history?.slice(-12) },
        null,
        2,
      )}\n--- rows\n${rows.map(describeRow).join("\n")}\n--- coordinator\n${this.kit.coordinator.output
        .slice(-40)
        .join("\n")}\n${await this.agentLogs(rows.filter((r) => r.status !== "OK"))}`,
    );
  }

  /**
   * The last log lines of the agents of `rows` (those not OK, for a failure
   * message), with what each agent's state file says: its services and the
   * reports still waiting in its outbox.
   */
  async agentLogs(rows: JsonRow[]): Promise<string> {
    const parts: string[] = [];
    for (const r of rows) {
      const agent = this.kit.agents.get(`${r.store}/${r.workstation}`);
      if (agent === undefined) continue;
      let state = "";
      try {
        const file = JSON.parse(await readFile(join(agent.state, "agent.json"), "utf8")) as {
          data?: { services?: unknown; outbox?: { topic: string; payload: string }[] };
        };
        const outbox = file.data?.outbox ?? [];
        state = `services ${JSON.stringify(file.data?.services)}\noutbox ${outbox.length}: ${outbox
          .map((e) => `${e.topic} ${e.payload.slice(0, 300)}`)
          .join("\n  ")}`;
      } catch (error) {
        state = `(state file: ${(error as Error).message})`;
      }
      parts.push(
        `--- agent ${r.store}/${r.workstation}\n${state}\n${agent.output.slice(-40).join("\n")}`,
      );
    }
    return parts.join("\n");
  }

  /** `GET /api/status` (every row of the fleet). */
  statusRows(): Promise<JsonRow[]> {
    return statusRows(this.kit.coordinator.url, this.token("admin"));
  }

  /**
   * The coordinator's durable desired entry for pos-client of each till
   * (DATA/coordinator.json, or the `desired` table on PostgreSQL).
   */
  async desiredOnDisk(): Promise<Record<string, DesiredSeen | undefined>> {
    const desired = await durableDesired(this.kit.coordinator);
    return Object.fromEntries(this.tills.map((id) => [id, desired[id]?.["pos-client"]]));
  }

  /** A POS on till `id` with its own broker login, publishing its session retained. */
  pos(id: string): Promise<Pos> {
    return connectPos(this.kit, id);
  }

  /**
   * Stops the agents all at once (a slow one is reported with its last log
   * lines: an agent that does not end on SIGTERM is a finding), then the rest.
   */
  async close(): Promise<void> {
    const slow: string[] = [];
    await Promise.all(
      [...this.kit.agents].map(async ([id, agent]) => {
        const started = Date.now();
        // SIGTERM, 10 s, then SIGKILL: a hang (agent-report-in-flight.test.ts, fixed in
        // 0701383) is reported below instead of stalling the whole file.
        const exited = await Promise.race([
          agent.stop().then(
            () => true,
            () => false,
          ),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
        ]);
        if (!exited) await agent.kill9();
        const ms = Date.now() - started;
        if (!exited || ms > 5000)
          slow.push(
            `agent ${id} ${exited ? `took ${ms} ms to stop` : "did not exit within 10 s of SIGTERM (killed)"}:\n${agent.output.slice(-8).join("\n")}`,
          );
      }),
    );
    const { coordinator } = this.kit;
    const stopped = await Promise.race([
      coordinator.stop().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000)),
    ]);
    if (!stopped) {
      slow.push(
        `the coordinator did not exit within 15 s of SIGTERM (killed):\n${coordinator.output
          .slice(-30)
          .join("\n")}`,
      );
      await coordinator.kill9();
    }
    if (slow.length > 0) console.log(`slow shutdown:\n${slow.join("\n")}`);
    const started = Date.now();
    await this.kit.close();
    const ms = Date.now() - started;
    if (ms > 5000) console.log(`the broker and folders took ${ms} ms to close`);
  }
}
