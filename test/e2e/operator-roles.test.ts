import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { canApprove, type Operator } from "@tillroll/coordinator";
import { type ServiceStatus, type StatusDocument, topicFor } from "@tillroll/protocol";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TILLROLL_CLI } from "./coordinator-harness.js";
import { CoordinatorKit } from "./coordinator-kit.js";

/**
 * Issue 9, acceptance 1, against a real `tillroll coordinator` process and
 * the real CLI: named operators with roles and scopes, refusals that name
 * what is missing and change nothing, cookie sessions with CSRF, slowed
 * failed logins, `tillroll login`, and an audit that names each operator.
 */

const run = promisify(execFile);

interface Issued {
  name: string;
  role: string;
  scope: string | null;
  token: string;
  password: string;
}

const FLEET = [
  { id: "1001/01", group: "DE/North" },
  { id: "2002/01", group: "DE/South" },
];

let kit: CoordinatorKit;
const people = new Map<string, Issued>();

/** The CLI as a user runs it: no --token unless given, a home of its own, any exit code. */
async function cli(
  args: string[],
  options: { token?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = [TILLROLL_CLI, ...args, `--url=${kit.coordinator.url}`];
  if (options.token !== undefined) argv.push(`--token=${options.token}`);
  const env = { PATH: process.env.PATH, HOME: kit.dir.path, ...options.env };
  // Not the kit's folder: its ./data/operator-token would be found as the last resort.
  const cwd = join(kit.dir.path, "elsewhere");
  await mkdir(cwd, { recursive: true });
  const child = run(process.execPath, argv, { cwd, env });
  if (options.input !== undefined) {
    child.child.stdin?.end(options.input);
  } else child.child.stdin?.end();
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

async function http(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{
  status: number;
  body: { error?: string } & Record<string, unknown>;
  headers: Headers;
}> {
  const response = await fetch(`${kit.coordinator.url}${path}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), headers: response.headers };
}

/** Every file of the data folder with its sha256: a refusal must leave it byte-identical. */
function dataFiles(): Record<string, string> {
  const dir = kit.coordinator.dataDir;
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    out[name] = statSync(path).isFile()
      ? createHash("sha256").update(readFileSync(path)).digest("hex")
      : "dir";
  }
  return out;
}

async function settledFiles(): Promise<Record<string, string>> {
  let last = JSON.stringify(dataFiles());
  for (let i = 0; i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = JSON.stringify(dataFiles());
    if (now === last) return JSON.parse(now) as Record<string, string>;
    last = now;
  }
  throw new Error("the data folder kept changing");
}

function token(name: string): string {
  const issued = people.get(name);
  if (issued === undefined) throw new Error(`no operator ${name}`);
  return issued.token;
}

describe("operators, roles and scopes end to end", { timeout: 120_000 }, () => {
  beforeAll(async () => {
    kit = await CoordinatorKit.create("roles");
    await kit.publish({ name: "pos-client", version: "1.0.0" });
    await kit.publish({ name: "pos-client", version: "1.1.0", updatableFrom: ">=1.0.0" });
    // Each workstation reports one OK row over MQTT with its own credentials, as its agent would.
    for (const { id, group } of FLEET) {
      const enrolled = await kit.coordinator.consoleJson<{
        username: string;
        password: string;
        agentConfig: { broker: string };
      }>("workstation", "add", id, "--group", group);
      const [store = "", workstation = ""] = id.split("/");
      const client = await mqtt.connectAsync(enrolled.agentConfig.broker, {
        username: enrolled.username,
        password: enrolled.password,
        clientId: enrolled.username,
        protocolVersion: 4,
      });
      const service: ServiceStatus = {
        status: "OK",
        activeVersion: "1.0.0",
        preferredVersion: null,
        requestId: null,
        validFrom: null,
        phase: null,
        progress: null,
        reason: null,
        updatedAt: new Date().toISOString(),
      };
      const doc: StatusDocument = {
        schema: 1,
        seq: 1,
        ts: new Date().toISOString(),
        store,
        workstation,
        desiredSeq: null,
        services: { "pos-client": service },
      };
      await client.publishAsync(topicFor("status", { store, workstation }), JSON.stringify(doc), {
        qos: 1,
        retain: true,
      });
      await client.endAsync();
    }
    await kit.until("both rows reported", (rows) => rows.length === FLEET.length);
    for (const [name, role, scope] of [
      ["vera", "viewer", null],
      ["anna", "operator", "DE/North"],
      ["paul", "approver", null],
    ] as const) {
      const added = await cli(
        [
          "operator",
          "add",
          name,
          "--role",
          role,
          ...(scope === null ? [] : ["--scope", scope]),
          "--json",
        ],
        { token: await kit.coordinator.token() },
      );
      expect(added.stderr).toBe("");
      const issued = JSON.parse(added.stdout) as Issued;
      expect(issued).toMatchObject({ name, role, scope });
      people.set(name, issued);
    }
  }, 90_000);

  afterAll(async () => {
    await kit?.close();
  });

  it("the first start created the platform admin, its token the old operator-token, its password shown once", async () => {
    expect(kit.coordinator.output.join("\n")).toMatch(/created the platform admin "admin"/);
    const me = await http("GET", "/api/session", { token: await kit.coordinator.token() });
    expect(me.body).toMatchObject({ name: "admin", role: "admin", scope: null });
    const list = await cli(["operator", "list", "--json"], {
      token: await kit.coordinator.token(),
    });
    const names = (JSON.parse(list.stdout) as { name: string }[]).map((o) => o.name);
    expect(names).toEqual(["admin", "anna", "paul", "vera"]);
    expect(list.stdout).not.toMatch(/token|password|Hash/i);
  });

  it("refuses a viewer's change with 403 naming the role needed; the CLI says the same", async () => {
    const answer = await http("POST", "/api/retry", {
      token: token("vera"),
      body: { filters: { store: ["1001"] } },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe("retry needs the operator role; you are viewer");
    const viaCli = await cli(
      ["set-preferred", "--function", "pos-client", "--version", "1.1.0", "--store", "1001"],
      { token: token("vera") },
    );
    expect(viaCli.code).not.toBe(0);
    expect(viaCli.stderr).toContain("set-preferred needs the operator role; you are viewer");
    // Reads are open to the viewer.
    expect((await http("GET", "/api/status", { token: token("vera") })).status).toBe(200);
  });

  it("a scoped operator sees only its rows, and a change across scopes is refused whole with nothing changed", async () => {
    const rows = await cli(["status", "--json"], { token: token("anna") });
    expect((JSON.parse(rows.stdout) as { store: string }[]).map((r) => r.store)).toEqual(["1001"]);
    const before = await settledFiles();
    for (const dryRun of [false, true]) {
      const answer = await http("POST", "/api/set-preferred", {
        token: token("anna"),
        body: {
          function: "pos-client",
          version: "1.1.0",
          filters: { group: ["DE"] },
          dryRun,
        },
      });
      expect(answer.status).toBe(403);
      expect(answer.body.error).toBe(
        "refused: 1 of 2 rows is outside your scope DE/North (group DE/South)",
      );
    }
    expect(await settledFiles()).toEqual(before);
    // Inside its scope the same change goes through.
    const inScope = await cli(
      ["set-preferred", "--function", "pos-client", "--version", "1.1.0", "--group", "DE/North"],
      { token: token("anna") },
    );
    expect(inScope.stderr).toBe("");
    expect(inScope.stdout).toMatch(/1 changed, 0 skipped/);
  });

  it("an approver cannot approve a task it created (four eyes)", async () => {
    const me = await http("GET", "/api/session", { token: token("paul") });
    const paul = me.body as unknown as Operator;
    expect(paul).toMatchObject({ name: "paul", role: "approver" });
    expect(canApprove(paul, { createdBy: "paul" })).toMatchObject({ ok: false, status: 403 });
    expect(canApprove(paul, { createdBy: "anna" })).toEqual({ ok: true });
    const anna = (await http("GET", "/api/session", { token: token("anna") })).body;
    expect(canApprove(anna as unknown as Operator, { createdBy: "paul" })).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it("a cookie session needs the CSRF token for a POST; a forged one is refused", async () => {
    const loggedIn = await http("POST", "/api/session", {
      body: { name: "anna", password: people.get("anna")?.password },
    });
    expect(loggedIn.status).toBe(200);
    const setCookie = loggedIn.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^tillroll_session=[\w-]+; HttpOnly; SameSite=Strict; Path=\/$/);
    const cookie = setCookie.split(";")[0] ?? "";
    const csrf = String(loggedIn.body.csrfToken);
    const retry = { filters: { store: ["1001"] }, dryRun: true };
    expect((await http("GET", "/api/status", { headers: { cookie } })).status).toBe(200);
    const without = await http("POST", "/api/retry", { body: retry, headers: { cookie } });
    expect(without.status).toBe(403);
    expect(without.body.error).toMatch(/CSRF/);
    const forged = await http("POST", "/api/retry", {
      body: retry,
      headers: { cookie, "x-csrf-token": `${csrf.slice(0, -2)}xx` },
    });
    expect(forged.status).toBe(403);
    const good = await http("POST", "/api/retry", {
      body: retry,
      headers: { cookie, "x-csrf-token": csrf },
    });
    expect(good.status).toBe(200);
    const out = await http("POST", "/api/session/end", {
      headers: { cookie, "x-csrf-token": csrf },
    });
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect((await http("GET", "/api/status", { headers: { cookie } })).status).toBe(401);
  });

  it("failed logins are slowed: after 5 free ones for a name, even the right password waits", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await http("POST", "/api/session", { body: { name: "vera", password: `guess-${i}` } }))
          .status,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);
    const right = await http("POST", "/api/session", {
      body: { name: "vera", password: people.get("vera")?.password },
    });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(right.body.error).toMatch(/too many failed logins/);
  });

  it("tillroll login saves a token (0600) that console commands use; logout deletes it", async () => {
    const env = { XDG_CONFIG_HOME: join(kit.dir.path, "config") };
    const login = await cli(["login", "--name", "anna"], {
      input: `${people.get("anna")?.password}\n`,
      env,
    });
    expect(login.stderr).toBe("");
    expect(login.stdout).toMatch(/Logged in to .* as anna \(operator, scope DE\/North\)/);
    const path = join(env.XDG_CONFIG_HOME, "tillroll", "credentials.json");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const rows = await cli(["status", "--json"], { env });
    expect((JSON.parse(rows.stdout) as { store: string }[]).map((r) => r.store)).toEqual(["1001"]);
    const logout = await cli(["logout"], { env });
    expect(logout.stdout).toMatch(/Logged out/);
    const after = await cli(["status"], { env });
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/no operator token: run `tillroll login`/);
  });

  it("the audit names each operator with its role; --operator narrows it", async () => {
    const all = await cli(["audit"], { token: token("vera") });
    expect(all.stdout).toMatch(/admin \(admin\)\s+workstation add/);
    expect(all.stdout).toMatch(/admin \(admin\)\s+operator add/);
    expect(all.stdout).toMatch(/anna \(operator\)\s+set-preferred/);
    const annas = await cli(["audit", "--operator", "anna", "--json"], { token: token("vera") });
    const entries = JSON.parse(annas.stdout) as {
      who: { name: string; role: string };
      action: string;
    }[];
    expect(entries.map((e) => [e.who, e.action])).toEqual([
      [{ name: "anna", role: "operator" }, "set-preferred"],
    ]);
    // A scoped viewer's audit holds no entry about rows outside its scope.
    const scoped = await cli(["audit", "--json"], { token: token("anna") });
    const touched = (JSON.parse(scoped.stdout) as { touched: string[] }[]).flatMap(
      (e) => e.touched,
    );
    expect(touched.some((key) => key.startsWith("2002/"))).toBe(false);
  });
});
