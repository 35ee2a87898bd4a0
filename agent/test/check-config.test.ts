import { execFile } from "node:child_process";
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSigningKeyPair } from "@tillroll/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkConfigFile, runCheckConfig } from "../src/cli/check-config.js";
import { parseAgentConfig } from "../src/config/load-config.js";
import { TEST_CERT } from "./download/tls-fixture.js";

const key = generateSigningKeyPair().publicKey;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "check-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(config: Record<string, unknown>, mode = 0o600): Promise<string> {
  const path = join(dir, "agent.json");
  await writeFile(path, JSON.stringify(config));
  await chmod(path, mode);
  return path;
}

const good = () => ({
  store: "1001",
  workstation: "01",
  broker: "mqtts://127.0.0.1:8883",
  root: "root",
  state: "state/nested",
  coordinatorKey: key,
  readiness: [{ type: "session" }],
});

function captured() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    sink: {
      stdout: (text: string) => {
        out.stdout += text;
      },
      stderr: (text: string) => {
        out.stderr += text;
      },
    },
  };
}

describe("tillroll-agent check-config", () => {
  it("answers exit 0 and one summary line for a good config, creating nothing", async () => {
    await writeFile(join(dir, "ca.pem"), TEST_CERT);
    const path = await configFile({ ...good(), ca: "ca.pem", username: "ws-1001-01" });
    const { out, sink } = captured();
    expect(await runCheckConfig(path, sink)).toBe(0);
    expect(out.stdout).toBe(
      `config ${path} OK: workstation 1001/01, broker mqtts://127.0.0.1:8883 as ws-1001-01, state ${dir}/state/nested, root ${dir}/root, 1 pinned coordinator key, readiness session, service manager process\n`,
    );
    expect(out.stderr).toBe("");
    // It only reads: the missing state and root folders are still missing.
    expect((await readdir(dir)).sort()).toEqual(["agent.json", "ca.pem"]);
  });

  it("names every problem at once, with schema paths, and exits 2", async () => {
    await writeFile(join(dir, "not-a-folder"), "x");
    await writeFile(join(dir, "probe.sh"), "#!/bin/sh\nexit 0\n");
    const path = await configFile({
      ...good(),
      broker: "http://example",
      recheckSecs: 5,
      ca: "missing-ca.pem",
      state: "not-a-folder/state",
      root: "not-a-folder",
      readiness: [{ type: "lockfile" }],
    });
    const result = await checkConfigFile(path);
    expect(result).toEqual({
      ok: false,
      problems: [
        `broker: "http://example" is not an mqtt:// or mqtts:// URL`,
        "readiness.0.path: is required",
        `unknown field "recheckSecs"`,
        `ca: cannot read ${dir}/missing-ca.pem (ENOENT)`,
        `state: cannot create ${dir}/not-a-folder/state: ${dir}/not-a-folder is not a folder`,
        `root: ${dir}/not-a-folder is not a folder`,
      ],
    });
    const { out, sink } = captured();
    expect(await runCheckConfig(path, sink)).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr).toMatch(new RegExp(`^tillroll-agent: config ${path} has 6 problems:\n  `));
  });

  it("refuses a CA file that is not a certificate and a probe that is not executable", async () => {
    await writeFile(join(dir, "ca.pem"), "not a certificate");
    await writeFile(join(dir, "probe.sh"), "#!/bin/sh\nexit 0\n");
    await chmod(join(dir, "probe.sh"), 0o644);
    const path = await configFile({
      ...good(),
      ca: "ca.pem",
      readiness: [{ type: "command", run: "probe.sh" }],
    });
    expect(await checkConfigFile(path)).toEqual({
      ok: false,
      problems: [
        `ca: ${dir}/ca.pem is not a PEM certificate`,
        `readiness.0.run: ${dir}/probe.sh is not executable (EACCES)`,
      ],
    });
  });

  it("says what is wrong with an unreadable or broken file", async () => {
    expect(await checkConfigFile(join(dir, "nope.json"))).toEqual({
      ok: false,
      problems: ["cannot read the file (ENOENT)"],
    });
    await writeFile(join(dir, "broken.json"), "{ store: 1001");
    const broken = await checkConfigFile(join(dir, "broken.json"));
    expect(broken.ok ? "" : broken.problems.join()).toMatch(/^the file: invalid JSON/);
  });

  it("passes but warns when the file holding the password is open to others", async () => {
    const path = await configFile({ ...good(), password: "secret" }, 0o644);
    const { out, sink } = captured();
    expect(await runCheckConfig(path, sink)).toBe(0);
    expect(out.stderr).toMatch(/holds the broker password but is open to group and others/);
  });
});

describe("the .deb's agent.json.example", () => {
  it("is a valid config once the placeholders from `workstation add` are filled in", async () => {
    const example = JSON.parse(
      await readFile(new URL("../packaging/deb/agent.json.example", import.meta.url), "utf8"),
    ) as Record<string, unknown>;
    expect(example.coordinatorKey).toMatch(/^ed25519:the coordinator's key/);
    const parsed = parseAgentConfig(
      { ...example, coordinatorKey: key },
      "/etc/tillroll/agent.json",
    );
    expect(parsed.ok ? parsed.value.state : parsed.error).toBe("/var/lib/tillroll");
  });
});

describe("check-config as the daemon's user", () => {
  // The compiled module (`pnpm build` first), loaded by a child process that
  // then gives up root: root may write anywhere, so as root the check runs as
  // "nobody"; as any other user the folder is simply made read-only.
  const compiled = new URL("../dist/cli/check-config.js", import.meta.url);

  it("reports a state folder the user cannot write", async () => {
    await access(fileURLToPath(compiled));
    const locked = join(dir, "locked");
    await mkdir(locked, { mode: 0o755 });
    await chmod(dir, 0o755); // mkdtemp's 0700 would hide everything from "nobody"
    const root = process.getuid?.() === 0;
    if (!root) await chmod(locked, 0o555);
    const path = await configFile({ ...good(), state: "locked/state", root: "locked" }, 0o644);
    const script = `
      const { checkConfigFile } = await import(${JSON.stringify(compiled.href)});
      if (${root}) { process.setgroups([]); process.setgid(65534); process.setuid(65534); }
      process.stdout.write(JSON.stringify(await checkConfigFile(${JSON.stringify(path)})));`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ["--input-type=module", "-e", script], (error, out, stderr) =>
        error === null ? resolve(out) : reject(new Error(`${error.message}\n${stderr}`)),
      );
    });
    expect(JSON.parse(stdout)).toEqual({
      ok: false,
      problems: [
        `state: cannot create ${locked}/state: ${locked} is not writable by this user (EACCES)`,
        `root: ${locked} is not writable by this user (EACCES)`,
      ],
    });
  });
});
