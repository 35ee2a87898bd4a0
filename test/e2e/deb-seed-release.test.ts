import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const SEED = fileURLToPath(new URL("../../agent/packaging/deb/seed-release.mjs", import.meta.url));

/** The seeder's pure parts (a dependency-free .mjs: imported as it is shipped). */
const seeder = (await import(pathToFileURL(SEED).href)) as {
  compareVersions: (a: string, b: string) => number | null;
};

describe("seed-release: semver precedence of the package against current", () => {
  it.each([
    ["0.2.0", "0.1.0", 1],
    ["0.1.0", "0.2.0", -1],
    ["0.10.0", "0.9.9", 1],
    ["1.0.0", "1.0.0", 0],
    ["1.0.0+b2", "1.0.0+b1", 0],
    ["0.2.0-rc1", "0.2.0", -1],
    ["0.2.0", "0.2.0-rc1", 1],
    ["0.2.0-rc.2", "0.2.0-rc.10", -1],
    ["0.2.0-1", "0.2.0-alpha", -1],
    ["0.2.0-alpha.1", "0.2.0-alpha", 1],
    ["0.2", "0.1.0", null],
  ])("%s vs %s -> %s", (a, b, order) => {
    expect(seeder.compareVersions(a, b)).toBe(order);
  });
});

/**
 * The seeder run as the .deb's wrapper runs it, on real folders: a package
 * folder (bundle + descriptor) and an agent config whose root is relative.
 */
describe("seed-release: which agent `current` points at after a package start", () => {
  let dir: string;
  let agentRoot: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "deb-seed-"));
    agentRoot = join(dir, "etc", "functions", "tillroll-agent");
    await mkdir(join(dir, "etc"), { recursive: true });
    // Relative paths resolve beside the config file, as the agent reads them.
    await writeFile(
      join(dir, "etc", "agent.json"),
      JSON.stringify({ root: "functions", state: "state" }),
    );
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function pkg(version: string): Promise<string> {
    const folder = join(dir, `pkg-${version}`);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "tillroll-agent.mjs"), `// agent ${version}\n`);
    await writeFile(
      join(folder, "function-pack-descriptor.json"),
      JSON.stringify({ name: "tillroll-agent", version, service: { start: "tillroll-agent.mjs" } }),
    );
    return folder;
  }

  async function release(name: string): Promise<void> {
    await mkdir(join(agentRoot, "releases", name), { recursive: true });
    await writeFile(join(agentRoot, "releases", name, "tillroll-agent.mjs"), `// ${name}\n`);
  }

  const seed = (folder: string, config = join(dir, "etc", "agent.json")) =>
    run(process.execPath, [SEED, "--config", config, "--package", folder]);
  const current = () => readlink(join(agentRoot, "current"));

  it("a first start seeds the package's version and points current at it", async () => {
    const out = await seed(await pkg("0.1.0"));
    expect(out.stdout).toBe(`${agentRoot}\n`);
    expect(out.stderr).toBe("tillroll-agent: no tillroll-agent/current yet: seeding 0.1.0\n");
    expect(await current()).toBe("releases/0.1.0");
    expect(await readFile(join(agentRoot, "releases/0.1.0/tillroll-agent.mjs"), "utf8")).toBe(
      "// agent 0.1.0\n",
    );
    // Again: nothing to do.
    expect((await seed(await pkg("0.1.0"))).stderr).toContain("keeping 0.1.0");
  });

  it("an apt upgrade to a newer package moves current", async () => {
    await release("0.1.0");
    await symlink("releases/0.1.0", join(agentRoot, "current"));
    const out = await seed(await pkg("0.3.0"));
    expect(out.stderr).toContain("the package's 0.3.0 is newer than current 0.1.0: switching");
    expect(await current()).toBe("releases/0.3.0");
  });

  it("a self-update newer than (or as new as) the package is never downgraded", async () => {
    await release("0.2.0~r-1");
    await symlink("releases/0.2.0~r-1", join(agentRoot, "current"));
    for (const version of ["0.1.5", "0.2.0", "0.2.0-rc1"]) {
      const out = await seed(await pkg(version));
      expect(out.stderr).toContain(`keeping 0.2.0~r-1: the package's ${version} is not newer`);
      expect(await current()).toBe("releases/0.2.0~r-1");
    }
    await expect(readlink(join(agentRoot, "releases", "0.1.5"))).rejects.toThrow(/ENOENT/);
  });

  it("a self-update in flight keeps current, whatever the package", async () => {
    await release("0.1.0");
    await symlink("releases/0.1.0", join(agentRoot, "current"));
    await writeFile(join(agentRoot, "pending-confirm"), "0.0.9 0.1.0\n");
    expect((await seed(await pkg("0.3.0"))).stderr).toContain(
      "keeping 0.1.0: a self-update is in progress (pending-confirm)",
    );
    await rm(join(agentRoot, "pending-confirm"));
    await mkdir(join(dir, "etc", "state"));
    await writeFile(
      join(dir, "etc", "state", "agent.json"),
      JSON.stringify({
        services: { "tillroll-agent": { job: { step: "pre-hook", toVersion: "0.2.0" } } },
      }),
    );
    expect((await seed(await pkg("0.3.0"))).stderr).toContain(
      "keeping 0.1.0: a self-update is in progress (journal: step pre-hook to 0.2.0)",
    );
    expect(await current()).toBe("releases/0.1.0");
  });

  it("current pointing at a missing release is seeded again", async () => {
    await mkdir(agentRoot, { recursive: true });
    await symlink("releases/0.5.0", join(agentRoot, "current"));
    expect((await seed(await pkg("0.1.0"))).stderr).toContain(
      "current points at the missing release 0.5.0: seeding 0.1.0",
    );
    expect(await current()).toBe("releases/0.1.0");
  });

  it("a config without root, or no config, is refused by name and changes nothing", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ state: "/x" }));
    const refused = await seed(await pkg("0.1.0"), bad).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused).toMatchObject({
      code: 2,
      stderr: `tillroll-agent: config ${bad}: root: a folder path is required\n`,
    });
    const missing = await seed(await pkg("0.1.0"), join(dir, "nope.json")).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(missing).toMatchObject({
      code: 2,
      stderr: `tillroll-agent: config ${join(dir, "nope.json")}: cannot read (ENOENT)\n`,
    });
    await expect(readlink(join(agentRoot, "current"))).rejects.toThrow(/ENOENT/);
  });
});
