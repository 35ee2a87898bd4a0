import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DEFAULT_TOPIC_ROOT } from "@tillroll/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TILLROLL_CLI } from "./coordinator-harness.js";
import { CoordinatorKit } from "./coordinator-kit.js";

// Issue 13, acceptance 1 (the stale part): a POS killed with -9 while a cashier is logged in
// leaves its session retained; its last will says it is offline, so the agent reports the
// session stale instead of waiting for ever, and only the audited way out
// (`tillroll pos-session release`, admin or a forced task's operator) lets the update go on.

const POS_PROCESS = fileURLToPath(new URL("../support/pos-process.mjs", import.meta.url));
const run = promisify(execFile);
const ROW = "1001/01";
const STALE =
  /^POS session stale since \d\d:\d\d \(user alice logged in; transaction in progress\)$/;

let kit: CoordinatorKit;
let pos: ChildProcess | undefined;

/** The CLI as an operator runs it: their own token, nothing else found. */
async function cliAs(
  token: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cwd = join(kit.dir.path, "elsewhere");
  await mkdir(cwd, { recursive: true });
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [TILLROLL_CLI, ...args, `--url=${kit.coordinator.url}`, `--token=${token}`],
      { cwd, env: { PATH: process.env.PATH, HOME: kit.dir.path } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** Starts the POS process (own MQTT login, will armed) and waits until its session is retained. */
async function startPos(): Promise<ChildProcess> {
  const creds = kit.credentials.get(ROW);
  if (creds === undefined) throw new Error("not enrolled");
  const child = spawn(
    process.execPath,
    [
      POS_PROCESS,
      creds.agentConfig.broker,
      creds.posUsername,
      creds.posPassword,
      DEFAULT_TOPIC_ROOT,
      "1001",
      "01",
      "alice",
      "true",
    ],
    { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready")) resolve();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`POS exited (${code}): ${output}`)));
    setTimeout(() => reject(new Error(`POS not ready in 5 s: ${output}`)), 5_000).unref();
  });
  await ready;
  return child;
}

interface Row {
  status: string;
  reason: string | null;
  activeVersion: string | null;
}

/** The row over HTTP (a CLI process per poll costs a second on a loaded machine). */
async function row(): Promise<Row | undefined> {
  const answer = await fetch(`${kit.coordinator.url}/api/status?store=1001&workstation=01`, {
    headers: { authorization: `Bearer ${await kit.coordinator.token()}` },
  });
  return ((await answer.json()) as Row[])[0];
}

async function until(what: string, done: (r: Row) => boolean, timeoutMs = 20_000): Promise<Row> {
  const deadline = Date.now() + timeoutMs;
  let last: Row | undefined;
  while (Date.now() < deadline) {
    last = await row();
    if (last !== undefined && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `timed out waiting until ${what}; row: ${JSON.stringify(last)}\n${kit.agents.get(ROW)?.log()}`,
  );
}

describe("agent: a POS killed with its session retained", { timeout: 40_000 }, () => {
  beforeAll(async () => {
    kit = await CoordinatorKit.create("pos-session");
    await kit.publish({ name: "pos-client", version: "1.0.0" });
    await kit.publish({ name: "pos-client", version: "1.1.0", updatableFrom: ">=1.0.0" });
    await kit.enrolAndStart(ROW, "DE");
    await kit.install("1.0.0");
  }, 30_000);
  afterAll(async () => {
    pos?.kill("SIGKILL");
    await kit?.close();
  });

  it("live: every cause named; killed: stale; refused to an operator; released by an admin (audited) -> the update completes", async () => {
    pos = await startPos();
    await kit.coordinator.console(
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      "1.1.0",
      "--all",
    );
    // A live POS: Not Ready naming the user and the transaction.
    await until(
      "Not Ready, live session",
      (r) =>
        r.status === "Not Ready" &&
        r.reason === "user alice logged in on till 01; transaction in progress",
    );
    // A live session is not released (no --force).
    const early = await kit.coordinator.consoleResult(
      "pos-session",
      "release",
      ROW,
      "--reason",
      "too early",
    );
    expect(early.code).not.toBe(0);
    expect(early.stderr).toContain("is not reported stale");
    // The POS dies: its socket ends without DISCONNECT, the broker publishes its will.
    const exited = new Promise((resolve) => pos?.once("exit", resolve));
    pos.kill("SIGKILL");
    await exited;
    pos = undefined;
    const stale = await until(
      "Not Ready, stale session",
      (r) => r.status === "Not Ready" && STALE.test(r.reason ?? ""),
    );
    expect(stale.activeVersion).toBe("1.0.0");
    // Nothing proceeds on its own: still Not Ready a few rechecks later.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await row()).toMatchObject({ status: "Not Ready", activeVersion: "1.0.0" });
    // An operator without a forced task may not release it.
    const added = await fetch(`${kit.coordinator.url}/api/operators`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await kit.coordinator.token()}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ name: `olga${Date.now() % 100000}`, role: "operator" }),
    });
    const olga = (await added.json()) as { token: string };
    const refused = await cliAs(olga.token, [
      "pos-session",
      "release",
      ROW,
      "--reason",
      "POS crashed",
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("pos-session release needs the admin role");
    // The admin's release: audited, and the update completes.
    const released = await kit.coordinator.consoleJson<{
      release: { sessionSeq: number; by: string };
      staleRows: string[];
    }>("pos-session", "release", ROW, "--reason", "POS crashed, till restarted");
    expect(released.release.by).toBe("admin");
    expect(released.staleRows).toEqual([
      expect.stringMatching(/^1001\/01\/pos-client: POS session stale since/),
    ]);
    await until(
      "pos-client 1.1.0 installed past the released session",
      (r) => r.status === "OK" && r.activeVersion === "1.1.0",
    );
    const audit =
      await kit.coordinator.consoleJson<
        { action: string; who: { name: string }; details: Record<string, unknown> }[]
      >("audit");
    const entry = audit.find((e) => e.action === "pos-session release");
    expect(entry).toMatchObject({
      who: { name: "admin" },
      details: {
        store: "1001",
        workstation: "01",
        reason: "POS crashed, till restarted",
        force: false,
        from: null,
        to: { sessionSeq: released.release.sessionSeq, by: "admin" },
      },
    });
    // The agent logged who released it, locally and in the install log at head office.
    expect(kit.agents.get(ROW)?.log()).toContain("released by admin");
    const deadline = Date.now() + 10_000;
    let texts: string[] = [];
    while (Date.now() < deadline) {
      const answer = await fetch(
        `${kit.coordinator.url}/api/install-log?store=1001&workstation=01&function=pos-client`,
        { headers: { authorization: `Bearer ${await kit.coordinator.token()}` } },
      );
      texts = ((await answer.json()) as { lines: { text: string }[] }).lines.map((l) => l.text);
      if (texts.some((text) => text.includes("released by admin"))) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(texts).toContainEqual(
      expect.stringMatching(/^POS session stale since .*: released by admin at /),
    );
  });
});
