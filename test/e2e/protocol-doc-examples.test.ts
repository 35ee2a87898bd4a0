import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  decodeDesired,
  decodePayload,
  MAX_PAYLOAD_BYTES,
  parsePublicKey,
  parseTopic,
  type TopicKind,
  trustedKeys,
  unwrap,
} from "@tillroll/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorKit, row } from "./coordinator-kit.js";

/*
 * Every mosquitto_sub / mosquitto_pub line of protocol/PROTOCOL.md, run as
 * written (through `sh -c`) against a real coordinator with an enrolled till
 * and a running agent, with the shell variables the doc's "Accounts" section
 * defines set from the real enrolment answer. Each check is what the doc says
 * the command does. The test adds only `-C` (messages to wait for) and `-W`
 * (seconds to wait) to subscriptions, so none runs forever.
 */

const DOC = readFileSync(new URL("../../protocol/PROTOCOL.md", import.meta.url), "utf8");
const WS = "1001/01";

interface DocCommand {
  section: string;
  line: string;
  tool: "mosquitto_sub" | "mosquitto_pub";
  kind: TopicKind;
  account: "POS" | "AGENT";
}

/** The mosquitto lines of the doc, each with the heading it is under. */
function docCommands(): DocCommand[] {
  const commands: DocCommand[] = [];
  let section = "";
  for (const line of DOC.split("\n")) {
    if (/^#{1,6} /.test(line)) section = line;
    const tool = /^(mosquitto_sub|mosquitto_pub) /.exec(line)?.[1];
    if (tool !== "mosquitto_sub" && tool !== "mosquitto_pub") continue;
    const topic = / -t '([^']+)'/.exec(line)?.[1] ?? "";
    const kind = unwrap(parseTopic(topic)).kind;
    const account = / -u "\$(POS|AGENT)_USER"/.exec(line)?.[1];
    if (account !== "POS" && account !== "AGENT") throw new Error(`no known account in: ${line}`);
    commands.push({ section, line, tool, kind, account });
  }
  return commands;
}

/** The cells of the "What the broker refuses" row that starts with `first`. */
function refusalRow(first: string): string[] {
  const found = DOC.split("\n").find((line) => line.startsWith(`| ${first}`));
  if (found === undefined) throw new Error(`no row "${first}" in What the broker refuses`);
  return found
    .split("|")
    .slice(1, -1)
    .map((cell) => cell.trim().replace(/^`|`$/g, ""));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A doc line running in `sh -c` with the doc's variables; `stop` ends it (our own child only). */
class Running {
  readonly done: Promise<Run>;
  private stdout = "";
  private stderr = "";
  private readonly child: ChildProcess;

  constructor(line: string, env: Record<string, string>, limitMs: number) {
    this.child = spawn("sh", ["-c", line], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.on("data", (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr?.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    const guard = setTimeout(() => this.child.kill("SIGKILL"), limitMs);
    this.done = new Promise((resolve) => {
      this.child.once("exit", (code) => {
        clearTimeout(guard);
        resolve({ code, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get lines(): string[] {
    return this.stdout.split("\n").filter((line) => line !== "");
  }

  stop(): Promise<Run> {
    this.child.kill("SIGTERM");
    return this.done;
  }
}

/** `-v` output: `topic payload`. */
function payloadOf(line: string): { topic: string; payload: string } {
  const space = line.indexOf(" ");
  return { topic: line.slice(0, space), payload: line.slice(space + 1) };
}

async function until(what: string, done: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("PROTOCOL.md examples against a real coordinator and agent", () => {
  const commands = docCommands();
  const executed = new Set<string>();
  let kit: CoordinatorKit;
  let env: Record<string, string>;
  let coordinatorKey: string;

  function find(section: string, tool: DocCommand["tool"], kind: TopicKind): DocCommand[] {
    const found = commands.filter(
      (c) => c.section.includes(section) && c.tool === tool && c.kind === kind,
    );
    if (found.length === 0) throw new Error(`PROTOCOL.md has no ${tool} of ${kind} in ${section}`);
    return found;
  }

  /** Starts a doc command; subscriptions get `-C`/`-W` so they end by themselves. */
  function start(command: DocCommand, wait?: { count?: number; seconds: number }, vars = env) {
    executed.add(command.line);
    const extra =
      wait === undefined
        ? ""
        : `${wait.count === undefined ? "" : ` -C ${wait.count}`} -W ${wait.seconds}`;
    return new Running(`${command.line}${extra}`, vars, 120_000);
  }

  function run(command: DocCommand, wait?: { count?: number; seconds: number }, vars = env) {
    return start(command, wait, vars).done;
  }

  beforeAll(async () => {
    kit = await CoordinatorKit.create("protocol-doc");
    await kit.publish({ name: "pos-client", version: "1.0.0" });
    await kit.publish({ name: "pos-client", version: "1.1.0", updatableFrom: ">=1.0.0 <1.1.0" });
    await kit.enrolAndStart(WS, "DE/North");
    const enrolled = kit.credentials.get(WS);
    if (enrolled === undefined) throw new Error("not enrolled");
    // The doc's variables, from the enrolment answer: whatever form the usernames take.
    env = {
      BROKER_HOST: "127.0.0.1",
      BROKER_PORT: String(kit.coordinator.mqttPort),
      POS_USER: enrolled.posUsername,
      POS_PASS: enrolled.posPassword,
      AGENT_USER: enrolled.username,
      AGENT_PASS: enrolled.password,
    };
    coordinatorKey = enrolled.agentConfig.coordinatorKey;
    await kit.install("1.0.0");
  }, 120_000);

  afterAll(async () => {
    await kit?.close();
  });

  it("the Accounts section defines exactly the variables set from the enrolment answer", () => {
    const defined = [...DOC.matchAll(/^([A-Z_]+)=/gm)].map((match) => match[1]);
    expect(defined.sort()).toEqual(Object.keys(env).sort());
    expect(DOC).toContain("POS_USER='pos.1001.01'         # posUsername of");
    expect(DOC).toContain("POS_PASS='<posPassword>'       # posPassword of");
  });

  it("desired: the agent's account receives the signed desired document of its till", async () => {
    const [command] = find("### `desired`", "mosquitto_sub", "desired");
    if (command === undefined) throw new Error("unreachable");
    const result = await run(command, { count: 1, seconds: 10 });
    const { topic, payload } = payloadOf(result.stdout.trim());
    expect(topic).toBe("tillroll/v1/ws/1001/01/desired");
    const doc = unwrap(decodeDesired(payload, trustedKeys(unwrap(parsePublicKey(coordinatorKey)))));
    expect([doc.store, doc.workstation]).toEqual(["1001", "01"]);
    expect(doc.services["pos-client"]?.preferredVersion).toBe("1.0.0");
  });

  it("desired: the POS account may not read it (the doc: only the agent's and the coordinator's)", async () => {
    const [command] = find("### `desired`", "mosquitto_sub", "desired");
    if (command === undefined) throw new Error("unreachable");
    const asPos = command.line.replaceAll("$AGENT_", "$POS_");
    const result = await new Running(`${asPos} -W 5`, env, 20_000).done;
    expect(result.stderr).toContain(refusalRow("subscribes")[2]);
    expect(result.stdout).toBe("");
  });

  it("presence: the POS receives the retained online document at once", async () => {
    const [command] = find("### `presence`", "mosquitto_sub", "presence");
    if (command === undefined) throw new Error("unreachable");
    const result = await run(command, { count: 1, seconds: 10 });
    const { topic, payload } = payloadOf(result.stdout.trim());
    expect(topic).toBe("tillroll/v1/ws/1001/01/presence");
    expect(unwrap(decodePayload("presence", payload)).state).toBe("online");
  });

  it("pos: the broker takes the POS's retained presence from its own account", async () => {
    const [command] = find("### `pos`", "mosquitto_pub", "pos");
    if (command === undefined) throw new Error("unreachable");
    const result = await run(command);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain(refusalRow("publishes")[2]);
    expect(kit.coordinator.output.join("\n")).not.toContain(
      'may not publish to "tillroll/v1/ws/1001/01/pos"',
    );
  });

  it("refused: a POS subscribing to status gets SUBACK failure, as the table says", async () => {
    const [command] = find("## What the broker refuses", "mosquitto_sub", "status");
    if (command === undefined) throw new Error("unreachable");
    const result = await run(command, { seconds: 5 });
    expect(result.stderr).toContain(refusalRow("subscribes")[2]);
    expect(result.stdout).toBe("");
    expect(kit.coordinator.output.join("\n")).toContain(
      'may not subscribe to "tillroll/v1/ws/1001/01/status"',
    );
  });

  it("refused: a wrong password gets CONNACK 0x04, as the table says", async () => {
    const [command] = find("## What the broker refuses", "mosquitto_sub", "status");
    if (command === undefined) throw new Error("unreachable");
    const result = await new Running(`${command.line} -W 5`, { ...env, POS_PASS: "wrong" }, 20_000)
      .done;
    expect(result.stderr).toContain(refusalRow("connects")[2]);
  });

  it("refused: a POS publishing maintenance loses its connection and the message reaches nobody", async () => {
    const [command] = find("## What the broker refuses", "mosquitto_pub", "maintenance");
    if (command === undefined) throw new Error("unreachable");
    const result = await run(command);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(refusalRow("publishes")[2]);
    expect(kit.coordinator.output.join("\n")).toContain("closing its connection");
    // The retained maintenance document is still the agent's, not the refused one.
    const [watch] = find("### `maintenance`", "mosquitto_sub", "maintenance");
    if (watch === undefined) throw new Error("unreachable");
    const retained = await run(watch, { count: 1, seconds: 10 });
    const doc = unwrap(decodePayload("maintenance", payloadOf(retained.stdout.trim()).payload));
    expect(doc.ts).not.toBe("2026-11-21T10:15:00.000Z");
  });

  it("refused: a publish above 262144 bytes loses the connection too", async () => {
    const [command] = find("### `session`", "mosquitto_pub", "session");
    if (command === undefined) throw new Error("unreachable");
    const file = join(kit.dir.path, "oversize.json");
    await writeFile(file, `{"pad":"${"x".repeat(MAX_PAYLOAD_BYTES)}"}`);
    const oversize = command.line.replace(/ -m '[^']*'$/, ` -f '${file}'`);
    const result = await new Running(oversize, env, 20_000).done;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(refusalRow("publishes")[2]);
    // It reached nobody: the agent's account, which reads session, finds nothing retained.
    const [desiredSub] = find("### `desired`", "mosquitto_sub", "desired");
    const sessionSub = desiredSub?.line.replace("/desired'", "/session'") ?? "";
    const retained = await new Running(`${sessionSub} -C 1 -W 3`, env, 20_000).done;
    expect(retained.stdout).toBe("");
  });

  it("session, maintenance, notice: a login defers an update, the logout lets it run; maintenance on, then off; no notice", async () => {
    const [login, logout] = find("### `session`", "mosquitto_pub", "session");
    const [maintenanceSub] = find("### `maintenance`", "mosquitto_sub", "maintenance");
    const [noticeSub] = find("### `notice`", "mosquitto_sub", "notice");
    if (!login || !logout || !maintenanceSub || !noticeSub) throw new Error("unreachable");

    // The retained `active: false`, then on and off for the update.
    const maintenance = start(maintenanceSub, { count: 3, seconds: 90 });
    const notices = start(noticeSub, { seconds: 120 });
    await until("the retained maintenance document arrived", () => maintenance.lines.length >= 1);

    expect((await run(login)).code).toBe(0);
    await kit.coordinator.console(
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      "1.1.0",
      "--store",
      "1001",
    );
    const stated = /Not Ready \(reason `([^`]+)`\)/.exec(DOC)?.[1];
    expect(stated).toBeDefined();
    const deferred = await kit.until("Not Ready while alice is logged in", (rows) => {
      const r = row(rows, WS);
      return r?.status === "Not Ready";
    });
    expect(row(deferred, WS)?.reason).toBe(stated);

    expect((await run(logout)).code).toBe(0);
    await kit.until("1.1.0 installed after the logout", (rows) => {
      const r = row(rows, WS);
      return r?.status === "OK" && r.activeVersion === "1.1.0";
    });

    const seen = await maintenance.done;
    const docs = seen.stdout
      .trim()
      .split("\n")
      .map((line) => unwrap(decodePayload("maintenance", payloadOf(line).payload)));
    expect(docs.map((doc) => [doc.active, doc.functions])).toEqual([
      [false, []],
      [true, ["pos-client"]],
      [false, []],
    ]);

    const heard = await notices.stop();
    expect(heard.stderr).not.toContain(refusalRow("subscribes")[2]);
    expect(heard.stdout).toBe("");
  }, 120_000);

  it("an invalid session document passes the broker; the agent drops it and keeps the last valid one", async () => {
    const [login] = find("### `session`", "mosquitto_pub", "session");
    if (login === undefined) throw new Error("unreachable");
    const invalid = login.line.replace(
      / -m '[^']*'$/,
      ` -m '{"schema":2,"seq":1300,"users":["eve"]}'`,
    );
    const result = await new Running(invalid, env, 20_000).done;
    expect(result.code).toBe(0);
    const agent = kit.agents.get(WS);
    await until("the agent logged the dropped document", () =>
      (agent?.log() ?? "").includes("session document ignored: session document: schema"),
    );
    // Still free (the last valid document is the logout): a new update runs at once.
    await kit.coordinator.console(
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      "1.0.0",
      "--store",
      "1001",
    );
    await kit.until("1.0.0 installed again", (rows) => {
      const r = row(rows, WS);
      return r?.status === "OK" && r.activeVersion === "1.0.0";
    });
  });

  it("every mosquitto command of PROTOCOL.md was run", () => {
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.map((c) => c.line).filter((line) => !executed.has(line))).toEqual([]);
  });
});
