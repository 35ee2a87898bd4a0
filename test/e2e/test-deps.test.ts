import { execFile } from "node:child_process";
import { chmod, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { type TempDir, tempDir } from "../support/temp.js";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url);
const script = new URL("scripts/ensure-test-deps.sh", root).pathname;

/**
 * The README's test command must pass on a fresh machine with only Node and
 * npm: `pnpm check` first runs scripts/ensure-test-deps.sh, which installs
 * the programs the tests run against. Here it runs against a PATH where they
 * are missing and a stand-in apt-get that records what it was asked for.
 */
describe("pnpm check installs what its tests need", () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.cleanup();
    dir = undefined;
  });

  async function fakeMachine(): Promise<{ bin: string; log: string }> {
    dir = await tempDir("test-deps");
    const bin = join(dir.path, "bin");
    const log = join(dir.path, "apt.log");
    await run("mkdir", ["-p", bin]);
    for (const tool of ["id", "cat", "mkdir"]) await symlink(`/usr/bin/${tool}`, join(bin, tool));
    // apt-get stand-in: records its arguments; `install` provides the programs.
    await writeFile(
      join(bin, "apt-get"),
      `#!/bin/bash\necho "$*" >> ${log}\nif [ "$1" = install ]; then for p in mosquitto mosquitto_pub chromium initdb pg_ctl; do printf '#!/bin/bash\\n' > ${bin}/$p; /usr/bin/chmod +x ${bin}/$p; done; fi\n`,
    );
    await chmod(join(bin, "apt-get"), 0o755);
    return { bin, log };
  }

  const env = (bin: string) => ({
    PATH: bin,
    TEST_DEPS_SBIN: join(bin, "no-sbin"),
    TEST_DEPS_PGLIB: join(bin, "no-pglib"),
  });

  it("installs Mosquitto, Chromium and PostgreSQL with apt-get when they are missing", async () => {
    const { bin, log } = await fakeMachine();
    const { stdout } = await run("/bin/bash", [script], { env: env(bin) });
    expect(stdout).toContain("installed:");
    const calls = await readFile(log, "utf8");
    expect(calls).toMatch(/^update -qq$/m);
    expect(calls).toMatch(/install .*mosquitto/);
    expect(calls).toMatch(/install .*mosquitto-clients/);
    expect(calls).toMatch(/install .*chromium/);
    expect(calls).toMatch(/install .*postgresql/);
  });

  it("does nothing when everything is there", async () => {
    const { bin, log } = await fakeMachine();
    await run("/bin/bash", [script], { env: env(bin) }); // installs
    await writeFile(log, "");
    await run("/bin/bash", [script], { env: env(bin) });
    expect(await readFile(log, "utf8")).toBe("");
  });

  it("pnpm check and CI run it", async () => {
    const pkg = JSON.parse(await readFile(new URL("package.json", root), "utf8"));
    expect(pkg.scripts.check).toMatch(/^bash scripts\/ensure-test-deps\.sh && /);
    const readme = await readFile(new URL("README.md", root), "utf8");
    expect(readme).toContain("npm install -g pnpm@10.34.9 && pnpm install && pnpm check");
    const ci = await readFile(new URL(".ci/run", root), "utf8");
    expect(ci).toMatch(/^pnpm check$/m);
  });
});
