import { readdir, readFile, readlink } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { type DesiredRecipe, recipeHash } from "@tillroll/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentKit, agentKit } from "./agent-kit.js";

/**
 * Recipes and hand-over rebuilds (issue 13, acceptance 3), with a real
 * broker, a real agent process and a real service: a Node HTTP server on a
 * unix socket (Node 20 has no SO_REUSEPORT). A new instance reads its config
 * (a bad one: it exits before binding), binds a temporary socket and renames
 * it over the shared path, so new connections reach it while the old
 * instance finishes its open ones; on SIGTERM the old one closes gracefully.
 * The pattern pack authors are told about in the README ("hand-over").
 */

const node = process.execPath;

const SERVER = `
import { readFileSync, renameSync, rmSync } from "node:fs";
import { createServer } from "node:http";
let config;
try {
  config = JSON.parse(readFileSync("config/service.json", "utf8"));
} catch (error) {
  console.error("bad recipe: config/service.json: " + error.message);
  process.exit(3); // before binding: the running instance keeps the socket
}
console.log("starting with token " + process.env.API_TOKEN);
const shared = process.env.SVC_SOCKET;
const temp = shared + "." + process.pid + ".tmp";
rmSync(temp, { force: true });
const server = createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ greeting: config.greeting, pid: process.pid, cwd: process.cwd() }));
});
server.listen(temp, () => renameSync(temp, shared)); // atomic: new connections come here now
process.on("SIGTERM", () => {
  server.close(() => process.exit(0)); // stop accepting, finish what is in flight
  setTimeout(() => process.exit(0), 5000).unref();
});
`;

/** Healthy only when the instance answering is the one of this release folder (cwd). */
const HEALTH = `
import { request } from "node:http";
const req = request({ socketPath: process.env.SVC_SOCKET, path: "/", agent: false }, (res) => {
  let body = "";
  res.on("data", (chunk) => (body += chunk));
  res.on("end", () => {
    const answer = JSON.parse(body);
    if (answer.cwd === process.cwd()) process.exit(0);
    console.log("answered by " + answer.cwd + ", not this release");
    process.exit(1);
  });
});
req.on("error", (error) => { console.log("no answer: " + error.message); process.exit(1); });
req.end();
`;

const fn = "pos-client";
const TOKEN = "tok-9f8e7d6c5b4a";

describe("agent: recipes and hand-over rebuild", () => {
  let kit: AgentKit;
  let socket: string;

  function recipe(version: number, serviceJson: string, env: Record<string, string> = {}) {
    const body = {
      env: { SVC_SOCKET: socket, API_TOKEN: TOKEN, ...env },
      files: { "config/service.json": serviceJson },
      secrets: ["API_TOKEN"],
    };
    return { version, sha256: recipeHash(body), ...body } satisfies DesiredRecipe;
  }

  async function rebuild(requestId: string, r: DesiredRecipe): Promise<void> {
    const pack = await packOnce();
    await kit.coordinator.publishDesired(
      { store: kit.agent.store, workstation: kit.agent.workstation },
      {
        [fn]: {
          preferredVersion: "1.0.0",
          requestId,
          artifact: pack.artifact,
          redeploy: requestId !== "first",
          recipe: r,
        },
      },
    );
  }

  let built: Awaited<ReturnType<AgentKit["pack"]>> | undefined;
  async function packOnce() {
    built ??= await kit.pack({
      name: fn,
      version: "1.0.0",
      start: `exec "${node}" server.mjs`,
      healthScript: `exec "${node}" health.mjs`,
      beforeInstall: 'echo "before install, token $API_TOKEN"',
      extraFiles: { "server.mjs": SERVER, "health.mjs": HEALTH, "config/service.json": "{}" },
      rawDescriptor: JSON.stringify({
        name: fn,
        version: "1.0.0",
        service: {
          start: "bin/start",
          health: { command: "bin/health", timeoutSeconds: 4, intervalSeconds: 0.1 },
        },
        hooks: { beforeInstall: "hooks/before-install" },
        strategy: "hand-over",
        recipe: { env: ["SVC_SOCKET", "API_TOKEN"], files: ["config/service.json"] },
      }),
    });
    return built;
  }

  /** One request on a fresh connection: the answer, or the error. */
  function ask(): Promise<{ greeting: string; pid: number } | Error> {
    return new Promise((resolve) => {
      const req = request({ socketPath: socket, path: "/", agent: false, timeout: 2000 }, (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => {
          try {
            resolve(JSON.parse(body));
          } catch (error) {
            resolve(error as Error);
          }
        });
        res.on("error", resolve);
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", resolve);
      req.end();
    });
  }

  /**
   * Sends a request every ~20 ms until `done` resolves (bounded: 1,500
   * requests, 30 s), while watching the pids; returns what it saw.
   */
  async function hammer(done: Promise<unknown>, watchPid: number) {
    let finished = false;
    void done.finally(() => {
      finished = true;
    });
    const failures: string[] = [];
    const answers: { greeting: string; pid: number; at: number }[] = [];
    const pending: Promise<void>[] = [];
    let oldGoneAt: number | null = null;
    let promotedAt: number | null = null;
    const started = Date.now();
    for (let i = 0; i < 1500 && !finished && Date.now() - started < 30_000; i++) {
      pending.push(
        ask().then((answer) => {
          if (answer instanceof Error) failures.push(answer.message);
          else answers.push({ ...answer, at: Date.now() });
        }),
      );
      if (oldGoneAt === null && !alive(watchPid)) oldGoneAt = Date.now();
      if (promotedAt === null && kit.agent.log().includes("step verify-next -> promote"))
        promotedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await done;
    await Promise.all(pending);
    return { failures, answers, oldGoneAt, promotedAt, sent: pending.length };
  }

  beforeAll(async () => {
    kit = await agentKit("hand-over");
    socket = join(kit.dir.path, "svc.sock");
    await kit.agent.start();
    await rebuild("first", recipe(1, JSON.stringify({ greeting: "hello v1" })));
    await kit.waitService(fn, (s) => s.status === "OK" && s.requestId === "first");
  }, 30_000);

  afterAll(async () => {
    await kit?.close();
  });

  it("a hand-over rebuild with a new recipe: zero failed requests, old pid ends after the new is healthy", async () => {
    const before = await ask();
    if (before instanceof Error) throw before;
    expect(before.greeting).toBe("hello v1");

    const r2 = recipe(2, JSON.stringify({ greeting: "hello v2" }));
    await rebuild("rebuild2", r2);
    const seen = await hammer(
      kit.waitService(fn, (s) => s.status === "OK" && s.requestId === "rebuild2"),
      before.pid,
    );
    console.log(
      `hand-over rebuild: ${seen.sent} requests every ~20 ms, ${seen.failures.length} failed`,
    );
    expect(seen.failures).toEqual([]);
    const after = await ask();
    if (after instanceof Error) throw after;
    expect(after.greeting).toBe("hello v2");
    expect(after.pid).not.toBe(before.pid);
    expect(alive(before.pid)).toBe(false);
    // The new instance answered, then the agent promoted it, and only then the old pid ended.
    const firstNew = seen.answers.find((a) => a.pid === after.pid);
    expect(firstNew).toBeDefined();
    expect(seen.promotedAt).not.toBeNull();
    expect(seen.oldGoneAt).not.toBeNull();
    expect(firstNew?.at ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(seen.oldGoneAt ?? 0);
    expect(seen.promotedAt ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(seen.oldGoneAt ?? 0);
    const log = kit.agent.log();
    expect(log).toMatch(/In Progress \(rebuild request \(recipe v2\)\)/);
    expect(log).toMatch(/step pre-hook -> start-next/);
    const status = kit.watcher.latest()?.services[fn];
    expect(status?.recipe).toEqual({ version: 2, sha256: r2.sha256 });
  }, 30_000);

  it("a bad recipe (the new instance exits on it) rolls back; the old pid never stops and answers", async () => {
    const before = await ask();
    if (before instanceof Error) throw before;
    await rebuild("bad3", recipe(3, "{not json"));
    const seen = await hammer(
      kit.waitService(fn, (s) => s.requestId === "bad3" && s.status === "Rolled Back"),
      before.pid,
    );
    console.log(`bad recipe: ${seen.sent} requests, ${seen.failures.length} failed`);
    expect(seen.failures).toEqual([]);
    expect(seen.oldGoneAt).toBeNull();
    expect(seen.answers.every((a) => a.pid === before.pid)).toBe(true);
    const status = kit.watcher.latest()?.services[fn];
    console.log(`bad recipe: Rolled Back (${status?.reason})`);
    expect(status?.reason).toMatch(/health check of the new 1\.0\.0 failed/);
    expect(status?.recipe?.version).toBe(2);
    const after = await ask();
    if (after instanceof Error) throw after;
    expect(after).toMatchObject({ pid: before.pid, greeting: "hello v2" });
  }, 30_000);

  it("a recipe setting a key the pack does not declare is refused, naming it; nothing stops", async () => {
    const before = await ask();
    if (before instanceof Error) throw before;
    await rebuild("undeclared4", recipe(4, "{}", { TAX_RATE: "19" }));
    const end = await kit.waitService(
      fn,
      (s) => s.requestId === "undeclared4" && s.status === "Rolled Back",
    );
    expect(end.services[fn]?.reason).toBe(
      "recipe sets TAX_RATE, which pos-client 1.0.0 does not declare",
    );
    expect(alive(before.pid)).toBe(true);
  });

  it.each([
    ["verify-next:before", "hello v5"],
    ["promote:after", "hello v6"],
  ])(
    "kill -9 at %s during a hand-over: after a restart the service runs the new recipe, one instance",
    async (at, greeting) => {
      const version = Number(greeting.slice(-1));
      await kit.agent.stop();
      await kit.agent.start({ TILLROLL_TEST_CRASH_AT: at });
      await rebuild(`crash${version}`, recipe(version, JSON.stringify({ greeting })));
      expect(await kit.agent.waitExit(20_000), kit.agent.log()).toBeNull();
      await kit.agent.start();
      await kit.waitService(fn, (s) => s.status === "OK" && s.requestId === `crash${version}`);
      const answer = await ask();
      if (answer instanceof Error) throw answer;
      expect(answer.greeting).toBe(greeting);
      // Exactly one instance of the service is left (the other was ended or promoted).
      const servers = await serverPids(kit.dir.path);
      expect(servers, kit.agent.log()).toEqual([answer.pid]);
    },
    30_000,
  );

  it("the secret never appears in the install log or the agent log", async () => {
    const installLog = await readFile(join(kit.agent.state, "logs", `${fn}.log`), "utf8");
    expect(installLog).toContain("before install, token (secret)");
    expect(installLog).not.toContain(TOKEN);
    // The hand-over is told in the install log (and so at head office).
    expect(installLog).toMatch(/hand-over: new instance pid \d+ started beside pid \d+/);
    expect(installLog).toMatch(
      /hand-over: pid \d+ is the service now; the old instance \(pid \d+\) stopped/,
    );
    const agentLog = kit.agent.log();
    expect(agentLog).toContain("starting with token (secret)");
    expect(agentLog).not.toContain(TOKEN);
  });
});

/** Pids of the test service (server.mjs) running from a release under `dir`. */
async function serverPids(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const [cwd, cmdline] = await Promise.all([
      readlink(`/proc/${entry}/cwd`).catch(() => ""),
      readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => ""),
    ]);
    if (cwd.startsWith(`${dir}/`) && cmdline.includes("server.mjs")) pids.push(Number(entry));
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
