import { execFile } from "node:child_process";
import {
  access,
  constants,
  copyFile,
  mkdir,
  readFile,
  readlink,
  stat,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { JsonRow } from "@tillroll/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentProcess } from "./agent-harness.js";
import { CoordinatorKit, row } from "./coordinator-kit.js";

const run = promisify(execFile);

/**
 * Agent 0.4.0: passes its self-test, then runs with a broker it cannot reach
 * (a closed loopback port: a firewall, say), so it never confirms itself.
 */
const UNREACHABLE_AGENT = [
  'import { readFileSync, writeFileSync } from "node:fs";',
  'if (!process.argv.includes("self-test")) {',
  '  const at = process.argv.indexOf("--config") + 1;',
  '  const config = JSON.parse(readFileSync(process.argv[at], "utf8"));',
  '  process.argv[at] += ".unreachable.json";',
  '  writeFileSync(process.argv[at], JSON.stringify({ ...config, broker: "mqtt://127.0.0.1:9" }));',
  "}",
  'await import("./agent.mjs");',
].join("\n");
const repo = new URL("../../", import.meta.url).pathname;
// dpkg checks that ldconfig and friends are on PATH before it installs anything.
const PATH = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ""}`;

async function onPath(program: string): Promise<boolean> {
  for (const dir of PATH.split(":").filter((d) => d !== "")) {
    try {
      await access(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not in this one
    }
  }
  return false;
}

const missing: string[] = [];
for (const program of ["dpkg-deb", "dpkg"]) if (!(await onPath(program))) missing.push(program);
// Outside CI a machine without dpkg (not Debian) skips, saying why; under CI it fails.
const skip = missing.length > 0 && process.env.CI === undefined;
if (skip)
  console.warn(
    `agent-deb: SKIPPED: ${missing.join(", ")} not found (Debian package dpkg); the .deb cannot be built or installed here`,
  );

/**
 * Issue 13, acceptance 5: `scripts/build-deb.sh` makes the agent's .deb,
 * dpkg installs it into a fresh root (its own database, maintainer scripts
 * run chrootless with DPKG_ROOT), and the agent started by the installed
 * wrapper with this machine's node (seeded into <root>/tillroll-agent and run
 * by the installed launcher) comes online at a real coordinator, installs a
 * pack and updates itself; an apt upgrade to a newer package moves it on.
 */
describe.skipIf(skip)("the agent's .deb", () => {
  let kit: CoordinatorKit;
  let fsRoot: string;
  let deb: string;
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    expect(missing, "dpkg-deb and dpkg are needed (Debian package dpkg)").toEqual([]);
    kit = await CoordinatorKit.create("agent-deb");
    fsRoot = join(kit.dir.path, "fs");
    const out = join(kit.dir.path, "out");
    const built = await run("bash", [join(repo, "scripts/build-deb.sh"), "0.1.0", out], {
      env: { ...process.env, PATH },
    });
    deb = built.stdout.trim();
  });
  /** dpkg on the fresh root: its own database, nothing of the host's touched. */
  const dpkg = (...args: string[]) =>
    run(
      "dpkg",
      [
        `--root=${fsRoot}`,
        `--log=${join(kit.dir.path, "dpkg.log")}`,
        // nodejs is on the host, not in the fresh root's database.
        "--force-depends",
        // Maintainer scripts run on the host with DPKG_ROOT (the root has no /bin/sh).
        "--force-script-chrootless",
        // Lets the same command work unprivileged (CI may not be root).
        "--force-not-root",
        ...args,
      ],
      { env: { PATH } },
    );

  afterAll(async () => {
    // close(): the agent's services outlive it; its pid files say what to end.
    await agent?.close();
    await kit?.close();
  });

  it("is an all-architecture package that depends on nodejs >= 20", async () => {
    expect(deb).toBe(join(kit.dir.path, "out", "tillroll-agent_0.1.0_all.deb"));
    const field = async (name: string) =>
      (await run("dpkg-deb", ["--field", deb, name], { env: { PATH } })).stdout.trim();
    expect(await field("Package")).toBe("tillroll-agent");
    expect(await field("Version")).toBe("0.1.0");
    expect(await field("Architecture")).toBe("all");
    expect(await field("Depends")).toBe("nodejs (>= 20)");
    const listing = (await run("dpkg-deb", ["--contents", deb], { env: { PATH } })).stdout;
    for (const path of [
      "./usr/lib/tillroll-agent/tillroll-agent.mjs",
      "./usr/lib/tillroll-agent/tillroll-agent-launcher",
      "./usr/lib/tillroll-agent/seed-release.mjs",
      "./usr/lib/tillroll-agent/function-pack-descriptor.json",
      "./usr/bin/tillroll-agent",
      "./lib/systemd/system/tillroll-agent.service",
      "./etc/tillroll/agent.json.example",
    ])
      expect(listing).toMatch(new RegExp(`root/root .* ${path.replaceAll(".", "\\.")}$`, "m"));
  });

  it("build-deb.sh refuses a VERSION that is not a Debian version or not semver, writing nothing", async () => {
    const out = join(kit.dir.path, "bad-out");
    const refused = await run("bash", [join(repo, "scripts/build-deb.sh"), "v1.0", out], {
      env: { ...process.env, PATH },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({
      code: 2,
      stderr: 'build-deb: VERSION "v1.0" is not a Debian version (e.g. 0.1.0 or 0.2.0~rc1)\n',
    });
    // A Debian revision has no semver meaning: the agent's version (its release folder) would lie.
    const revision = await run("bash", [join(repo, "scripts/build-deb.sh"), "0.1.0-1", out], {
      env: { ...process.env, PATH },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(revision).toMatchObject({
      code: 2,
      stderr:
        'build-deb: VERSION "0.1.0-1" is not MAJOR.MINOR.PATCH[~PRERELEASE][+BUILD] (the agent\'s version is semver; no Debian revision)\n',
    });
    await expect(access(out)).rejects.toThrow(/ENOENT/);
  });

  it("installs into a fresh root with dpkg --root", async () => {
    const admin = join(fsRoot, "var/lib/dpkg");
    for (const sub of ["info", "updates"]) await mkdir(join(admin, sub), { recursive: true });
    await writeFile(join(admin, "status"), "");
    await dpkg("--install", deb);
    const status = await readFile(join(admin, "status"), "utf8");
    expect(status).toMatch(/^Package: tillroll-agent\nStatus: install ok installed$/m);
    expect(status).toMatch(/^Conffiles:\n \/etc\/tillroll\/agent\.json\.example [0-9a-f]{32}$/m);
    // postinst made the state folder, root-only.
    expect((await stat(join(fsRoot, "var/lib/tillroll"))).mode & 0o777).toBe(0o750);
    expect((await stat(join(fsRoot, "usr/bin/tillroll-agent"))).mode & 0o777).toBe(0o755);
    const unit = await readFile(join(fsRoot, "lib/systemd/system/tillroll-agent.service"), "utf8");
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^KillMode=process$/m);
    expect(unit).toMatch(
      /^ExecStart=\/usr\/bin\/tillroll-agent --config \/etc\/tillroll\/agent\.json$/m,
    );
    // No check-config of the packaged agent before a start: it may be older than the self-updated one.
    expect(unit).not.toMatch(/^ExecStartPre=/m);
    // The packaged agent is release 0.1.0 of the function tillroll-agent.
    expect(
      JSON.parse(
        await readFile(
          join(fsRoot, "usr/lib/tillroll-agent/function-pack-descriptor.json"),
          "utf8",
        ),
      ),
    ).toEqual({
      name: "tillroll-agent",
      version: "0.1.0",
      service: { start: "tillroll-agent.mjs" },
    });
    // systemd's own reading of the unit, where there is one: no unknown or bad key. (It also
    // says /usr/bin/tillroll-agent is missing: true on this host, not in the till's root.)
    if (await onPath("systemd-analyze")) {
      const verified = await run(
        "systemd-analyze",
        ["--man=no", "verify", join(fsRoot, "lib/systemd/system/tillroll-agent.service")],
        { env: { PATH } },
      ).catch((error: { stderr?: string }) => ({ stderr: error.stderr ?? String(error) }));
      const complaints = verified.stderr
        .split("\n")
        .filter(
          (line) =>
            line.trim() !== "" && !line.includes("/usr/bin/tillroll-agent is not executable"),
        );
      expect(complaints).toEqual([]);
    }
  });

  /** Polled over HTTP (a console process per poll is slow on a busy 2-core machine). */
  const api = async <T>(path: string): Promise<T> => {
    const answer = await fetch(`${kit.coordinator.url}${path}`, {
      headers: { authorization: `Bearer ${await kit.coordinator.token()}` },
    });
    if (!answer.ok) throw new Error(`${path}: HTTP ${answer.status} ${await answer.text()}`);
    return (await answer.json()) as T;
  };
  async function until(what: string, done: (rows: JsonRow[]) => boolean, ms = 20_000) {
    let rows: JsonRow[] = [];
    const deadline = Date.now() + ms;
    while (!done(rows)) {
      if (Date.now() > deadline)
        throw new Error(`${what}: ${JSON.stringify(rows)}\n${agent?.log() ?? ""}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      rows = await api<JsonRow[]>("/api/status");
    }
    return rows;
  }
  const agentRoot = () => join(fsRoot, "opt/tillroll/functions/tillroll-agent");
  const selfRow = (rows: JsonRow[]) => row(rows, "1001/01", "tillroll-agent");

  it("starts through the installed launcher, comes online and installs a pack", async () => {
    const enrolled = await kit.coordinator.consoleJson<{
      username: string;
      password: string;
      agentConfig: { broker: string; coordinatorKey: string };
    }>("workstation", "add", "1001/01", "--group", "DE");
    const bundle = await readFile(
      join(fsRoot, "usr/lib/tillroll-agent/tillroll-agent.mjs"),
      "utf8",
    );
    await Promise.all([
      kit.publish({ name: "pos-client", version: "1.0.0" }),
      // The same agent as release 0.2.0 of itself, for the self-update below.
      kit.publish({
        name: "tillroll-agent",
        version: "0.2.0",
        health: "none",
        extraFiles: { "tillroll-agent.mjs": bundle },
      }),
      kit.publish({
        name: "tillroll-agent",
        version: "0.4.0",
        health: "none",
        extraFiles: { "tillroll-agent.mjs": UNREACHABLE_AGENT, "agent.mjs": bundle },
      }),
    ]);
    agent = new AgentProcess({
      dir: join(fsRoot, "etc/tillroll"),
      brokerUrl: enrolled.agentConfig.broker,
      coordinatorKey: enrolled.agentConfig.coordinatorKey,
      readiness: [{ type: "session" }],
      configMode: 0o600,
      extraConfig: {
        username: enrolled.username,
        password: enrolled.password,
        root: join(fsRoot, "opt/tillroll/functions"),
        state: join(fsRoot, "var/lib/tillroll"),
        reconnectMaxSeconds: 2,
      },
      // As the unit runs it: `/usr/bin/tillroll-agent --config FILE` (the harness adds --config).
      program: ["/bin/sh", join(fsRoot, "usr/bin/tillroll-agent")],
      env: {
        TILLROLL_NODE: process.execPath,
        TILLROLL_SELF_CONFIRM_SECONDS: "1",
        TILLROLL_SELF_CONFIRM_TIMEOUT_SECONDS: "4",
        TILLROLL_LAUNCHER_DELAY: "0.2",
        TILLROLL_LAUNCHER_MAX_FAILURES: "2",
      },
    });
    await agent.writeConfig();
    // The installed wrapper (sh, `exec node …`) finds the bundle beside it and checks the config.
    const checked = await run(join(fsRoot, "usr/bin/tillroll-agent"), [
      "check-config",
      agent.configPath,
    ]);
    expect(checked.stdout).toMatch(
      new RegExp(
        `^config ${agent.configPath} OK: workstation 1001/01, broker mqtt://127\\.0\\.0\\.1:\\d+ as `,
      ),
    );
    expect(checked.stderr).toBe("");

    await agent.start();
    const deadline = Date.now() + 15_000;
    while (!(await api<{ online: boolean }[]>("/api/workstations"))[0]?.online) {
      if (Date.now() > deadline) throw new Error(`agent never came online:\n${agent.log()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Seeded from the package: release 0.1.0 of tillroll-agent, run by the launcher from there.
    expect(await readlink(join(agentRoot(), "current"))).toBe("releases/0.1.0");
    expect(agent.log()).toContain("no tillroll-agent/current yet: seeding 0.1.0");

    // And it works, not just connects: a first install from the bundle (download, tar, hooks).
    await kit.requestInstall("1.0.0");
    const rows = await until("pos-client installed", (rs) => row(rs, "1001/01")?.status === "OK");
    expect(row(rows, "1001/01")).toMatchObject({ activeVersion: "1.0.0", online: true });
    expect(selfRow(rows)).toMatchObject({ activeVersion: "0.1.0" });
    await access(join(fsRoot, "opt/tillroll/functions/pos-client/current"));
  });

  it("updates itself from the .deb install: a tillroll-agent pack 0.2.0", async () => {
    await kit.coordinator.console(
      "set-preferred",
      "--function",
      "tillroll-agent",
      "--version",
      "0.2.0",
      "--store",
      "1001",
    );
    await until(
      "tillroll-agent 0.2.0 OK",
      (rs) => selfRow(rs)?.status === "OK" && selfRow(rs)?.activeVersion === "0.2.0",
    );
    expect(await readlink(join(agentRoot(), "current"))).toBe("releases/0.2.0");
    expect(agent?.log()).toContain("0.2.0 passed its self-test");
    expect(agent?.log()).toContain("handed over (exit 75)");
  });

  it("a new agent that passes its probe but never reaches the broker gives up; the launcher goes back", async () => {
    await kit.coordinator.console(
      "set-preferred",
      "--function",
      "tillroll-agent",
      "--version",
      "0.4.0",
      "--store",
      "1001",
    );
    const rows = await until(
      "tillroll-agent 0.4.0 Rolled Back",
      (rs) => selfRow(rs)?.status === "Rolled Back" && selfRow(rs)?.online === true,
      30_000,
    );
    expect(selfRow(rows)).toMatchObject({ activeVersion: "0.2.0", preferredVersion: "0.4.0" });
    expect(selfRow(rows)?.reason).toBe(
      "new agent 0.4.0 exited before confirming (code 69, 2 times): it could not confirm in time (no broker connection); the launcher went back to the previous agent",
    );
    expect(agent?.log()).toContain("0.4.0 could not confirm within 4 s (no broker connection)");
    expect(await readlink(join(agentRoot(), "current"))).toBe("releases/0.2.0");
  });

  it("an apt upgrade to a newer package moves current on; agent.json kept; a purge leaves the config and the journal", async () => {
    await agent?.stop();
    const bundle = join(kit.dir.path, "bundle.mjs");
    await copyFile(join(fsRoot, "usr/lib/tillroll-agent/tillroll-agent.mjs"), bundle);
    const config = await readFile(join(fsRoot, "etc/tillroll/agent.json"), "utf8");
    const next = (
      await run("bash", [join(repo, "scripts/build-deb.sh"), "0.3.0", join(kit.dir.path, "out")], {
        // The same agent under a new version: package the bundle already made.
        env: { ...process.env, PATH, TILLROLL_AGENT_BUNDLE: bundle },
      })
    ).stdout.trim();
    await dpkg("--install", next);
    expect(await readFile(join(fsRoot, "var/lib/dpkg/status"), "utf8")).toMatch(
      /^Package: tillroll-agent\nStatus: install ok installed\n(?:.+\n)*?Version: 0\.3\.0$/m,
    );
    expect(await readFile(join(fsRoot, "etc/tillroll/agent.json"), "utf8")).toBe(config);
    // The package (0.3.0) is newer than the self-updated agent (0.2.0): it wins at the start.
    await agent?.start();
    await until(
      "tillroll-agent 0.3.0 reported",
      (rs) => selfRow(rs)?.activeVersion === "0.3.0" && selfRow(rs)?.online === true,
    );
    expect(await readlink(join(agentRoot(), "current"))).toBe("releases/0.3.0");
    expect(agent?.log()).toContain("the package's 0.3.0 is newer than current 0.2.0: switching");
    await agent?.stop();

    await dpkg("--purge", "tillroll-agent");
    await expect(access(join(fsRoot, "usr/lib/tillroll-agent/tillroll-agent.mjs"))).rejects.toThrow(
      /ENOENT/,
    );
    await expect(access(join(fsRoot, "etc/tillroll/agent.json.example"))).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(fsRoot, "etc/tillroll/agent.json"), "utf8")).toBe(config);
    await access(join(fsRoot, "var/lib/tillroll/agent.json")); // the journal
    await access(join(fsRoot, "opt/tillroll/functions/pos-client/current"));
  });
});
