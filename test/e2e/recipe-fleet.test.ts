// Recipes at head office (issue 13, acceptance 3, first half): a real
// coordinator process and simulated agents (MQTT clients that publish
// presence with capabilities "redeploy" and "recipe", and a status that
// reports the applied recipe, as a real agent does once it has committed a
// release built with it). A group recipe change lists exactly the affected
// rows in `tillroll updates`; `tillroll rebuild` sends them the recipe and
// the list empties as they report it applied.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type DesiredDocument, type StatusDocument, topicFor } from "@tillroll/protocol";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeClient, connectClient, publishQos1, subscribeQos1 } from "../support/mqtt-client.js";
import { buildPack } from "../support/packs.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { pollUntil } from "../support/wait.js";
import { callApi } from "./console-calls.js";
import { CoordinatorProcess } from "./coordinator-harness.js";

const SECRET = "correct-horse-battery-staple";

const FLEET = [
  { id: "1001/01", group: "DE/North" },
  { id: "1001/02", group: "DE/North" },
  { id: "4004/01", group: "DE/North" },
  { id: "2002/01", group: "DE/South" },
  { id: "3003/01", group: "AT" },
] as const;

interface UpdateRow {
  store: string;
  workstation: string;
  function: string;
  applied: { version: number; sha256: string } | null;
  effective: { version: number; sha256: string } | null;
  note: string | null;
}

/**
 * One workstation's agent, simulated: online with capabilities, pos-client
 * 1.0.0 OK, and on a new pos-client request in its desired document it
 * "rebuilds" at once: reports OK on that request with the recipe it got.
 */
class SimAgent {
  private seq = 1;
  readonly desired: DesiredDocument[] = [];
  private applied: { version: number; sha256: string } | null = null;
  private requestId: string | null = null;

  private constructor(
    readonly store: string,
    readonly workstation: string,
    private readonly client: MqttClient,
  ) {}

  static async start(
    brokerUrl: string,
    id: string,
    credentials: { username: string; password: string },
  ): Promise<SimAgent> {
    const [store = "", workstation = ""] = id.split("/");
    const client = await connectClient(brokerUrl, "sim-agent", credentials);
    const agent = new SimAgent(store, workstation, client);
    client.on("message", (_topic, payload) => agent.onDesired(payload.toString("utf8")));
    await subscribeQos1(client, [topicFor("desired", agent.ref)]);
    await publishQos1(
      client,
      topicFor("presence", agent.ref),
      JSON.stringify({
        schema: 1,
        seq: agent.seq++,
        ts: new Date().toISOString(),
        state: "online",
        agentVersion: "sim",
        capabilities: ["window", "redeploy", "recipe"],
      }),
      true,
    );
    await agent.report();
    return agent;
  }

  get ref() {
    return { store: this.store, workstation: this.workstation };
  }

  private onDesired(text: string): void {
    if (text === "") return;
    const doc = JSON.parse((JSON.parse(text) as { payload: string }).payload) as DesiredDocument;
    this.desired.push(doc);
    const entry = doc.services["pos-client"];
    if (entry === undefined || entry.requestId === null || entry.requestId === this.requestId)
      return;
    this.requestId = entry.requestId;
    this.applied =
      entry.recipe == null ? null : { version: entry.recipe.version, sha256: entry.recipe.sha256 };
    void this.report();
  }

  async report(): Promise<void> {
    const doc: StatusDocument = {
      schema: 1,
      seq: this.seq++,
      ts: new Date().toISOString(),
      store: this.store,
      workstation: this.workstation,
      desiredSeq: null,
      services: {
        "pos-client": {
          status: "OK",
          activeVersion: "1.0.0",
          preferredVersion: this.requestId === null ? null : "1.0.0",
          requestId: this.requestId,
          validFrom: null,
          phase: null,
          progress: null,
          reason: null,
          updatedAt: new Date().toISOString(),
          recipe: this.applied,
        },
      },
    };
    await publishQos1(this.client, topicFor("status", this.ref), JSON.stringify(doc), true);
  }

  close(): Promise<void> {
    return closeClient(this.client);
  }
}

describe("recipes across a fleet (real coordinator, simulated agents)", () => {
  let dir: TempDir;
  let coordinator: CoordinatorProcess;
  let token: string;
  const agents = new Map<string, SimAgent>();

  /** The API as the platform admin; throws unless 2xx. */
  const api = async (method: "GET" | "POST", path: string, body?: unknown) => {
    const answer = await callApi(coordinator.url, token, method, path, body);
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const listed = (rows: unknown) =>
    (rows as UpdateRow[]).map((row) => `${row.store}/${row.workstation}`).sort();
  const updates = async (query = "") => listed(await api("GET", `/api/updates${query}`));
  const setRecipe = async (scope: Record<string, string>, recipe: unknown) =>
    (await api("POST", "/api/recipes", { function: "pos-client", ...scope, recipe })) as {
      affects: string[];
    };
  const rebuild = async (body: Record<string, unknown>) =>
    (await api("POST", "/api/rebuild", { function: "pos-client", ...body })) as {
      changed: unknown[];
      skipped: unknown[];
    };

  beforeAll(async () => {
    dir = await tempDir("recipe-fleet");
    coordinator = await CoordinatorProcess.create(join(dir.path, "data"));
    await coordinator.start();
    token = await coordinator.token();
    await mkdir(join(dir.path, "pack"));
    const pack = await buildPack(join(dir.path, "pack"), { name: "pos-client", version: "1.0.0" });
    const published = await fetch(`${coordinator.url}/api/packs`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: await readFile(pack.path),
    });
    expect(published.status).toBe(201);
    const enrolled = (await api("POST", "/api/workstations", {
      workstations: FLEET.map(({ id, group }) => {
        const [store, workstation] = id.split("/");
        return { store, workstation, group };
      }),
    })) as {
      store: string;
      workstation: string;
      username: string;
      password: string;
      agentConfig: { broker: string };
    }[];
    for (const result of enrolled) {
      const id = `${result.store}/${result.workstation}`;
      agents.set(
        id,
        await SimAgent.start(result.agentConfig.broker, id, {
          username: result.username,
          password: result.password,
        }),
      );
    }
    await pollUntil(
      async () =>
        ((await api("GET", "/api/status")) as unknown[]).length === FLEET.length || undefined,
      10_000,
      "every simulated agent's row",
    );
  }, 30_000);

  afterAll(async () => {
    for (const agent of agents.values()) await agent.close().catch(() => undefined);
    await coordinator?.close().catch(() => undefined);
    await dir?.cleanup();
  });

  it("lists exactly the rows a group recipe change affects, and a rebuild clears them", async () => {
    expect(await updates()).toEqual([]);

    // A recipe for all of DE, set with the CLI: the four DE rows, not AT's.
    const de = join(dir.path, "de.json");
    await writeFile(
      de,
      JSON.stringify({
        env: { SHOP_URL: "https://shop.example/de", SHOP_TOKEN: SECRET },
        files: { "config/receipt.txt": "Danke!\n" },
        secrets: ["SHOP_TOKEN"],
      }),
    );
    const set = await coordinator.console(
      "recipe",
      "set",
      "pos-client",
      "--group",
      "DE",
      "--file",
      de,
    );
    expect(set).toMatch(/version 1/);
    expect(set).toMatch(/4 row\(s\) affected/);
    const cliUpdates = await coordinator.consoleJson<UpdateRow[]>("updates");
    expect(listed(cliUpdates)).toEqual(["1001/01", "1001/02", "2002/01", "4004/01"]);
    expect(cliUpdates[0]).toMatchObject({ applied: null, effective: { version: 1 }, note: null });
    const status = await coordinator.console("status");
    expect(status).toMatch(/Recipe/);
    expect(status.split("\n").filter((line) => / outdated$/.test(line))).toHaveLength(4);

    // Setting a recipe sends nothing by itself: no request reached any agent.
    const requests = () =>
      [...agents.values()].flatMap((agent) =>
        agent.desired.map((doc) => doc.services["pos-client"]?.requestId ?? null),
      );
    expect(requests().filter((id) => id !== null)).toEqual([]);

    // Rebuild DE: each row gets a new request of 1.0.0 with redeploy and the recipe.
    const dry = await rebuild({ filters: { group: ["DE"] }, dryRun: true });
    expect([dry.changed.length, dry.skipped.length]).toEqual([4, 0]);
    const rebuilt = await coordinator.console(
      "rebuild",
      "--function",
      "pos-client",
      "--group",
      "DE",
    );
    expect(rebuilt).toMatch(/^4 changed, 0 skipped/);
    await pollUntil(async () => (await updates()).length === 0 || undefined, 10_000, "DE rebuilt");
    const sent = agents.get("1001/01")?.desired.at(-1)?.services["pos-client"];
    expect(sent).toMatchObject({ preferredVersion: "1.0.0", redeploy: true });
    expect(sent?.recipe?.env).toEqual({ SHOP_TOKEN: SECRET, SHOP_URL: "https://shop.example/de" });
    expect(sent?.recipe?.secrets).toEqual(["SHOP_TOKEN"]);
    expect(agents.get("3003/01")?.desired.some((d) => d.services["pos-client"]?.recipe)).toBe(
      false,
    );

    // A subgroup's change: exactly DE/North's three rows.
    const north = await setRecipe(
      { group: "DE/North" },
      { env: { SHOP_URL: "https://shop.example/north" } },
    );
    expect(north.affects.sort()).toEqual([
      "1001/01/pos-client",
      "1001/02/pos-client",
      "4004/01/pos-client",
    ]);
    expect(await updates()).toEqual(["1001/01", "1001/02", "4004/01"]);
    expect(await updates("?store=1001")).toEqual(["1001/01", "1001/02"]);

    // A workstation's own recipe: that row too; rebuild all; unsetting the subgroup's: its rows again.
    await setRecipe({ store: "2002", workstation: "01" }, { env: { TILL_PRINTER: "lp0" } });
    expect(await updates()).toEqual(["1001/01", "1001/02", "2002/01", "4004/01"]);
    const all = await rebuild({ all: true });
    expect([all.changed.length, all.skipped.length]).toEqual([5, 0]);
    await pollUntil(async () => (await updates()).length === 0 || undefined, 10_000, "all rebuilt");
    const unset = (await api("POST", "/api/recipes/unset", {
      function: "pos-client",
      group: "DE/North",
    })) as { affects: string[] };
    expect(unset.affects).toHaveLength(3);
    expect(await updates()).toEqual(["1001/01", "1001/02", "4004/01"]);

    // Secrets never show: not in show, history, updates, the audit or the coordinator's log.
    const shown = await coordinator.console(
      "recipe",
      "show",
      "pos-client",
      "--effective",
      "1001/01",
    );
    expect(shown).toMatch(/SHOP_TOKEN=\(secret\)/);
    expect(shown).toMatch(/from group DE/);
    for (const path of [
      "/api/recipes?function=pos-client&effective=1001/01",
      "/api/recipes/history?function=pos-client",
      "/api/updates",
      "/api/audit",
    ])
      expect(JSON.stringify(await api("GET", path))).not.toContain(SECRET);
    expect(coordinator.output.join("\n")).not.toContain(SECRET);
  }, 40_000);
});
