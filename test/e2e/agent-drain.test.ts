import { access, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DEFAULT_TOPIC_ROOT,
  decodePayload,
  encodePayload,
  type MaintenanceDocument,
  type NoticeDocument,
  parseTopic,
  topicFor,
} from "@tillroll/protocol";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeClient, connectClient, publishQos1, subscribeQos1 } from "../support/mqtt-client.js";
import { readMarker } from "../support/packs.js";
import { callApi } from "./console-calls.js";
import { CoordinatorKit, type JsonRow, row } from "./coordinator-kit.js";

/**
 * Issue 13, acceptance 1 (the drain and the POS handshake), end to end: a
 * real coordinator, real agents, and this test's MQTT client playing the
 * POS of till 1001/01 as PROTOCOL.md asks: it acknowledges every maintenance
 * document of its till (session `maintenanceSeq`), reads the maintenance of
 * its whole store, shows notices and, when asked, ends its sessions. Till
 * 1001/02 is the store server (`maintenance: "clients"`).
 */

const TILL = "1001/01";
const SERVER = "1001/02";
const fn = "pos-client";
/** The beforeInstall hook: marks that it runs, and takes 3 s while the marker `slow` exists. */
const HOOK = [
  'touch "$TILLROLL_MARKER_DIR/hook-started"',
  'if [ -e "$TILLROLL_MARKER_DIR/slow" ]; then sleep 3; fi',
].join("\n");

type Seen =
  | { kind: "maintenance"; ws: string; doc: MaintenanceDocument }
  | { kind: "notice"; doc: NoticeDocument };

/** The POS of 1001/01. */
class TestPos {
  readonly seen: Seen[] = [];
  users: string[] = [];
  private seq = 0;
  private ack: number | null = null;
  /** Obey `request: "end-session"` by logging everyone out. */
  obeyEndSession = true;

  private constructor(private readonly client: MqttClient) {}

  static async connect(kit: CoordinatorKit): Promise<TestPos> {
    const enrolled = kit.credentials.get(TILL);
    if (enrolled === undefined) throw new Error("1001/01 not enrolled");
    const client = await connectClient(enrolled.agentConfig.broker, "pos", {
      username: enrolled.posUsername,
      password: enrolled.posPassword,
      clientId: enrolled.posUsername,
    });
    const pos = new TestPos(client);
    client.on("message", (topic, payload) => pos.onMessage(topic, payload));
    await subscribeQos1(client, [
      `${DEFAULT_TOPIC_ROOT}/ws/1001/+/maintenance`,
      topicFor("notice", { store: "1001", workstation: "01" }),
    ]);
    return pos;
  }

  private onMessage(topic: string, payload: Buffer): void {
    const address = parseTopic(topic, DEFAULT_TOPIC_ROOT);
    if (!address.ok) return;
    const { kind, workstation } = address.value;
    if (kind === "maintenance") {
      const doc = decodePayload("maintenance", payload);
      if (!doc.ok) return;
      // Its own till's documents and every store-wide one of its store.
      if (workstation !== "01" && doc.value.scope !== "store") return;
      this.seen.push({ kind: "maintenance", ws: workstation, doc: doc.value });
      if (workstation === "01") {
        this.ack = doc.value.seq;
        void this.publish();
      }
    } else if (kind === "notice") {
      const doc = decodePayload("notice", payload);
      if (!doc.ok) return;
      this.seen.push({ kind: "notice", doc: doc.value });
      if (doc.value.request === "end-session" && this.obeyEndSession) void this.login([]);
    }
  }

  login(users: string[]): Promise<void> {
    this.users = users;
    return this.publish();
  }

  private async publish(): Promise<void> {
    this.seq = Math.max(this.seq + 1, Date.now());
    const encoded = encodePayload("session", {
      schema: 1,
      seq: this.seq,
      ts: new Date().toISOString(),
      users: this.users,
      transactionInProgress: false,
      maintenanceSeq: this.ack,
    });
    if (!encoded.ok) throw new Error(encoded.error);
    await publishQos1(
      this.client,
      topicFor("session", { store: "1001", workstation: "01" }),
      encoded.value,
      true,
    );
  }

  /** What arrived since `from`, in words: `on`, `off`, `store on`, `notice: text`, `end-session`. */
  since(from: number): string[] {
    return this.seen.slice(from).map((item) => {
      if (item.kind === "notice")
        return item.doc.request === "end-session" ? "end-session" : `notice: ${item.doc.text}`;
      const state = item.doc.active ? "on" : "off";
      return item.doc.scope === "store" ? `store ${state} (${item.ws})` : state;
    });
  }

  close(): Promise<void> {
    return closeClient(this.client);
  }
}

/** One console API call as the platform admin; throws unless it answers 2xx. */
async function api(kit: CoordinatorKit, path: string, body: unknown): Promise<unknown> {
  const answer = await callApi(
    kit.coordinator.url,
    await kit.coordinator.token(),
    "POST",
    path,
    body,
  );
  if (answer.status >= 300)
    throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Polls GET /api/status (no CLI process per look: this file has a 40 s budget). */
async function until(kit: CoordinatorKit, what: string, done: (rows: JsonRow[]) => boolean) {
  const token = await kit.coordinator.token();
  const deadline = Date.now() + 20_000;
  let rows: JsonRow[] = [];
  while (Date.now() < deadline) {
    const answer = await callApi(kit.coordinator.url, token, "GET", "/api/status");
    rows = answer.body as JsonRow[];
    if (done(rows)) return rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const logs = [...kit.agents].map(([id, agent]) => `--- agent ${id}\n${agent.log()}`).join("\n");
  throw new Error(`timed out waiting until ${what}: ${JSON.stringify(rows)}\n${logs}`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe("agent: drain, notices and the POS handshake (issue 13)", { timeout: 40_000 }, () => {
  let kit: CoordinatorKit;
  let pos: TestPos;
  let markers: string;

  beforeAll(async () => {
    kit = await CoordinatorKit.create("agent-drain");
    await Promise.all([
      ...["1.0.0", "1.1.0", "1.2.0"].map((version) =>
        kit.publish({ name: fn, version, beforeInstall: HOOK }),
      ),
      ...["1.0.0", "1.1.0"].map((version) =>
        kit.publish({ name: "store-server", version, maintenance: "clients" }),
      ),
    ]);
    const [till] = await Promise.all([
      kit.enrolAndStart(TILL, "DE"),
      kit.enrolAndStart(SERVER, "DE", []),
    ]);
    markers = till.markers;
    pos = await TestPos.connect(kit);
    await pos.login([]);
    const install = (f: string, ws: string) =>
      api(kit, "/api/set-preferred", {
        function: f,
        version: "1.0.0",
        install: true,
        filters: { store: ["1001"], workstation: [ws] },
      });
    await install(fn, "01");
    await install("store-server", "02");
    await until(
      kit,
      "both installed",
      (rows) =>
        row(rows, TILL)?.status === "OK" &&
        row(rows, TILL)?.activeVersion === "1.0.0" &&
        row(rows, SERVER, "store-server")?.activeVersion === "1.0.0",
    );
    // The store server's install put the store in maintenance and takes it out after its
    // row is OK: wait for that "off" at the POS, so no test counts it among its own.
    const deadline = Date.now() + 10_000;
    while (!pos.since(0).includes("store off (02)") && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pos.since(0)).toContain("store off (02)");
  }, 30_000);
  afterAll(async () => {
    await pos?.close();
    await kit?.close();
  });

  const preferTill = (version: string, drain?: { noticeMinutes: number; force: boolean }) =>
    api(kit, "/api/set-preferred", {
      function: fn,
      version,
      filters: { store: ["1001"], workstation: ["01"] },
      ...(drain === undefined ? {} : { drain }),
    });

  it("a cashier logging in during a slow beforeInstall keeps the service running: Not Ready, maintenance off", async () => {
    const before = await readMarker(markers, fn);
    await rm(join(markers, "hook-started"), { force: true }); // the first install ran it too
    await writeFile(join(markers, "slow"), "");
    const from = pos.seen.length;
    await preferTill("1.1.0");
    const deadline = Date.now() + 10_000;
    while (!(await exists(join(markers, "hook-started"))) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await pos.login(["alice"]); // taken by a POS that had not seen maintenance yet
    const rows = await until(
      kit,
      "Not Ready after the hook",
      (rs) => row(rs, TILL)?.status === "Not Ready",
    );
    expect(row(rows, TILL)).toMatchObject({
      activeVersion: "1.0.0",
      reason: "user alice logged in on till 01",
    });
    const after = await readMarker(markers, fn);
    expect(after?.pid).toBe(before?.pid);
    expect(after?.version).toBe("1.0.0");
    expect(() => process.kill(after?.pid ?? 0, 0)).not.toThrow();
    expect(pos.since(from)).toEqual(["on", "off"]);
    await rm(join(markers, "slow"));
  });

  it("drain without force: maintenance on, notices in order, Not Ready until the logout, then OK", async () => {
    const from = pos.seen.length;
    // The console's flag (the API body's drain, force false).
    await kit.coordinator.console(
      "set-preferred",
      ...["--function", fn, "--version", "1.1.0", "--store", "1001", "--workstation", "01"],
      ...["--drain-minutes", "0.05"],
    );
    await until(kit, "the countdown", (rs) =>
      /^update at \d\d:\d\d \(in \d seconds?\): user alice logged in on till 01$/.test(
        row(rs, TILL)?.reason ?? "",
      ),
    );
    const due = await until(kit, "due, waiting for alice", (rs) =>
      (row(rs, TILL)?.reason ?? "").startsWith("update due since"),
    );
    expect(row(due, TILL)).toMatchObject({ status: "Not Ready", activeVersion: "1.0.0" });
    expect(row(due, TILL)?.reason).toMatch(/: waiting for user alice to log out$/);
    await pos.login([]);
    await until(
      kit,
      "1.1.0 installed",
      (rs) => row(rs, TILL)?.status === "OK" && row(rs, TILL)?.activeVersion === "1.1.0",
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // the last maintenance document
    expect(pos.since(from)).toEqual([
      "on",
      "notice: pos-client will be updated in 3 seconds; please finish your work and log out",
      "notice: pos-client is being updated now; please log out",
      "off",
    ]);
  });

  it("drain with force (a forced release task): the POS is asked to end the session, then the update completes", async () => {
    await pos.login(["alice"]);
    const from = pos.seen.length;
    const file = join(kit.dir.path, "forced.json");
    await writeFile(
      file,
      JSON.stringify({
        name: "forced 1.2.0",
        function: fn,
        version: "1.2.0",
        target: { store: ["1001"], workstation: ["01"] },
        stages: [{ name: "all" }],
        forced: true,
        drain: { noticeMinutes: 0.05, force: true },
      }),
    );
    const created = (await api(kit, "/api/releases", JSON.parse(await readFile(file, "utf8")))) as {
      id: string;
    };
    await api(kit, "/api/releases/start", { id: created.id });
    await until(
      kit,
      "1.2.0 installed",
      (rs) => row(rs, TILL)?.status === "OK" && row(rs, TILL)?.activeVersion === "1.2.0",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pos.since(from)).toEqual([
      "on",
      "notice: pos-client will be updated in 3 seconds; please finish your work and log out",
      "notice: pos-client is being updated now; please log out",
      "end-session",
      "off",
    ]);
    expect(pos.users).toEqual([]);
  });

  it("a force without a forced task is refused naming drain.force", async () => {
    const token = await kit.coordinator.token();
    const answer = await callApi(kit.coordinator.url, token, "POST", "/api/set-preferred", {
      function: fn,
      version: "1.1.0",
      filters: { store: ["1001"] },
      drain: { noticeMinutes: 1, force: true },
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain("drain.force");
    const file = join(kit.dir.path, "not-forced.json");
    await writeFile(
      file,
      JSON.stringify({
        name: "not forced",
        function: fn,
        version: "1.2.0",
        stages: [{ name: "all" }],
        drain: { noticeMinutes: 1, force: true },
      }),
    );
    const result = await kit.coordinator.consoleResult("release", "create", "--file", file);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("drain.force");
  });

  it("operator maintenance (tillroll maintenance on|off) reaches the POS through the agent, audited", async () => {
    const from = pos.seen.length;
    const on = await kit.coordinator.console("maintenance", "on", TILL, "--reason", "stock-taking");
    expect(on).toContain("Maintenance mode on for 1001/01, the whole workstation (stock-taking)");
    const deadline = Date.now() + 10_000;
    while (pos.since(from).length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const doc = pos.seen[from];
    expect(doc?.kind === "maintenance" && doc.doc).toMatchObject({
      active: true,
      functions: [],
      reason: expect.stringMatching(/^maintenance mode by .+: stock-taking$/),
    });
    await kit.coordinator.console("maintenance", "off", TILL);
    while (pos.since(from).length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pos.since(from)).toEqual(["on", "off"]);
    const again = await kit.coordinator.consoleResult("maintenance", "off", TILL);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("maintenance mode is not on for 1001/01");
    const audit = await kit.coordinator.console("audit");
    expect(audit).toMatch(/maintenance on .*"to":\{"active":true/);
    expect(audit).toMatch(/maintenance off .*"to":null/);
  });

  it("a store server's update puts the whole store in maintenance and takes it out", async () => {
    const from = pos.seen.length;
    await api(kit, "/api/set-preferred", {
      function: "store-server",
      version: "1.1.0",
      filters: { store: ["1001"], workstation: ["02"] },
    });
    await until(
      kit,
      "store-server 1.1.0",
      (rs) =>
        row(rs, SERVER, "store-server")?.status === "OK" &&
        row(rs, SERVER, "store-server")?.activeVersion === "1.1.0",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pos.since(from)).toEqual(["store on (02)", "store off (02)"]);
  });
});
