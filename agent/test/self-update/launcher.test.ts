import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const LAUNCHER = fileURLToPath(new URL("../../bin/tillroll-agent-launcher", import.meta.url));

/** Stand-in agent releases: each appends its name to `runs` and then does what `body` says. */
async function agentRoot(releases: Record<string, string>, current: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "launcher-"));
  for (const [name, body] of Object.entries(releases)) {
    await mkdir(join(root, "releases", name), { recursive: true });
    await writeFile(
      join(root, "releases", name, "tillroll-agent.mjs"),
      [
        'import { appendFileSync, renameSync, symlinkSync } from "node:fs";',
        `const root = ${JSON.stringify(root)};`,
        `appendFileSync(root + "/runs", ${JSON.stringify(`${name}\n`)});`,
        "const switchTo = (r) => { symlinkSync('releases/' + r, root + '/.t'); renameSync(root + '/.t', root + '/current'); };",
        'const idle = () => { process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1000); };',
        body,
      ].join("\n"),
    );
  }
  await symlink(`releases/${current}`, join(root, "current"));
  return root;
}

const runs = async (root: string) =>
  (await readFile(join(root, "runs"), "utf8").catch(() => "")).split("\n").filter(Boolean);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe("tillroll-agent-launcher", () => {
  const started: { child: ChildProcess; root: string }[] = [];
  afterEach(async () => {
    for (const { child, root } of started.splice(0)) {
      if (child.exitCode === null) child.kill("SIGKILL");
      await rm(root, { recursive: true, force: true });
    }
  });

  function launch(
    root: string,
    env: Record<string, string> = {},
    unset: readonly string[] = [],
  ): { child: ChildProcess; exited: Promise<number | null> } {
    const inherited = { ...process.env };
    for (const name of unset) delete inherited[name];
    const child = spawn("/bin/sh", [LAUNCHER, root, "--config", "x.json"], {
      env: {
        ...inherited,
        TILLROLL_NODE: process.execPath,
        TILLROLL_LAUNCHER_DELAY: "0.05",
        TILLROLL_LAUNCHER_MAX_FAILURES: "3",
        ...env,
      },
      stdio: "ignore",
    });
    started.push({ child, root });
    return { child, exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
  }

  it("runs the agent with the idle footprint's node flags, or the flags TILLROLL_AGENT_NODE_FLAGS names", async () => {
    const record =
      'appendFileSync(root + "/flags", JSON.stringify(process.execArgv) + "\\n"); idle();';
    const flags = async (root: string) =>
      (await readFile(join(root, "flags"), "utf8").catch(() => "")).split("\n").filter(Boolean);
    for (const [env, expected] of [
      [
        {},
        [
          "--max-semi-space-size=1",
          "--jitless",
          "--bytecode-old-age=1",
          "--compact-on-every-full-gc",
        ],
      ],
      [{ TILLROLL_AGENT_NODE_FLAGS: "" }, []],
      [
        { TILLROLL_AGENT_NODE_FLAGS: "--max-semi-space-size=2 --max-old-space-size=64" },
        ["--max-semi-space-size=2", "--max-old-space-size=64"],
      ],
    ] as const) {
      const root = await agentRoot({ a: record }, "a");
      const { child, exited } = launch(root, env);
      await until("the agent runs", async () => (await flags(root)).length > 0);
      expect((await flags(root)).map((line) => JSON.parse(line))).toEqual([expected]);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });

  it("gives the agent its malloc settings in GLIBC_TUNABLES (and TILLROLL_GIVEN_GLIBC_TUNABLES) and keeps what was there before in TILLROLL_SERVICE_GLIBC_TUNABLES", async () => {
    const record =
      'appendFileSync(root + "/env", JSON.stringify([process.env.GLIBC_TUNABLES ?? null, process.env.TILLROLL_SERVICE_GLIBC_TUNABLES ?? null, process.env.TILLROLL_GIVEN_GLIBC_TUNABLES ?? null]) + "\\n"); idle();';
    const seen = async (root: string) =>
      (await readFile(join(root, "env"), "utf8").catch(() => "")).split("\n").filter(Boolean);
    const agentOwn =
      "glibc.malloc.arena_max=1:glibc.malloc.trim_threshold=65536:glibc.malloc.mmap_threshold=65536";
    for (const [env, expected] of [
      [{}, [agentOwn, "", agentOwn]],
      [
        { GLIBC_TUNABLES: "glibc.malloc.arena_max=4" },
        [
          `${agentOwn}:glibc.malloc.arena_max=4`,
          "glibc.malloc.arena_max=4",
          `${agentOwn}:glibc.malloc.arena_max=4`,
        ],
      ],
      [
        { TILLROLL_AGENT_GLIBC_TUNABLES: "glibc.malloc.arena_max=2" },
        ["glibc.malloc.arena_max=2", "", "glibc.malloc.arena_max=2"],
      ],
      [{ TILLROLL_AGENT_GLIBC_TUNABLES: "" }, [null, null, null]],
      [
        { TILLROLL_AGENT_GLIBC_TUNABLES: "", GLIBC_TUNABLES: "glibc.malloc.arena_max=4" },
        ["glibc.malloc.arena_max=4", null, null],
      ],
    ] as const) {
      const root = await agentRoot({ a: record }, "a");
      const inherited = { ...env } as Record<string, string>;
      const { child, exited } = launch(root, inherited, ["GLIBC_TUNABLES"]);
      await until("the agent runs", async () => (await seen(root)).length > 0);
      expect(
        (await seen(root)).map((line) => JSON.parse(line)),
        JSON.stringify(env),
      ).toEqual([expected]);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });

  it("exit 75 runs what current now points at; SIGTERM reaches the agent and ends the launcher", async () => {
    const root = await agentRoot({ a: 'switchTo("b"); process.exit(75);', b: "idle();" }, "a");
    const { child, exited } = launch(root);
    await until("b runs", async () => (await runs(root)).join() === "a,b");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("a new agent that exits 3 times before confirming: current goes back, the record says why", async () => {
    const root = await agentRoot({ a: "idle();", b: "process.exit(3);" }, "b");
    await writeFile(join(root, "pending-confirm"), "a b\n");
    const { child, exited } = launch(root);
    await until("a runs again", async () => (await runs(root)).includes("a"));
    expect(await runs(root)).toEqual(["b", "b", "b", "a"]);
    expect(await readlink(join(root, "current"))).toBe("releases/a");
    expect((await readFile(join(root, "launcher-rollback"), "utf8")).trim()).toBe("b 3 3");
    await expect(readFile(join(root, "pending-confirm"))).rejects.toThrow();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("a new agent that fails once and then confirms is kept", async () => {
    const root = await agentRoot(
      {
        a: "idle();",
        b: 'import { existsSync, rmSync, writeFileSync } from "node:fs"; if (!existsSync(root + "/tried")) { writeFileSync(root + "/tried", ""); process.exit(3); } rmSync(root + "/pending-confirm"); rmSync(root + "/launch-failures", { force: true }); idle();',
      },
      "b",
    );
    await writeFile(join(root, "pending-confirm"), "a b\n");
    const { child, exited } = launch(root);
    await until("b confirmed", async () => (await runs(root)).length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await runs(root)).toEqual(["b", "b"]);
    expect(await readlink(join(root, "current"))).toBe("releases/b");
    await expect(readFile(join(root, "launcher-rollback"))).rejects.toThrow();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("an agent that crashes with no update pending is just started again", async () => {
    const root = await agentRoot(
      {
        a: 'import { existsSync, writeFileSync } from "node:fs"; if (!existsSync(root + "/crashed")) { writeFileSync(root + "/crashed", ""); process.exit(1); } idle();',
      },
      "a",
    );
    const { child, exited } = launch(root);
    await until("a runs twice", async () => (await runs(root)).length === 2);
    expect(await readlink(join(root, "current"))).toBe("releases/a");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
