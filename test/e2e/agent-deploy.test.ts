import { execFile } from "node:child_process";
import { mkdir, readdir, readlink, realpath } from "node:fs/promises";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { type TempDir, tempDir } from "../support/temp.js";
import { type AgentKit, agentKit } from "./agent-kit.js";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;

/**
 * The README's way to build the agent folder for a till:
 * `pnpm --filter @tillroll/agent deploy --legacy --prod DIR`. The folder is
 * packed, moved elsewhere (as it would be copied to a till) and the agent in
 * it carries out a real update.
 */
describe("agent folder for a till (pnpm deploy)", () => {
  let kit: AgentKit | undefined;
  let dir: TempDir | undefined;
  afterEach(async () => {
    await kit?.close();
    await dir?.cleanup();
    kit = undefined;
    dir = undefined;
  });

  it("deploys, moves and runs an update from the moved folder", async () => {
    dir = await tempDir("deploy");
    // Built inside the workspace's node_modules: pnpm 10 links a deployed folder's bins
    // relative to the workspace root, so a target outside it under the same parent (a
    // checkout in /tmp, a target in /tmp) left a stray folder at the repository's top.
    const built = join(root, "node_modules", `.tillroll-deploy-${process.pid}-${Date.now()}`);
    const topBefore = (await readdir(root)).sort();
    await run("pnpm", ["--filter", "@tillroll/agent", "deploy", "--legacy", "--prod", built], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect((await readdir(root)).sort()).toEqual(topBefore);
    // Copied to the till as an archive, unpacked elsewhere.
    const till = join(dir.path, "opt", "tillroll", "agent");
    await mkdir(till, { recursive: true });
    await run("sh", ["-c", `tar -C "${built}" -cf - . | tar -C "${till}" -xf -`]);
    await run("rm", ["-rf", built]);

    // No dev tooling came along, and nothing it needs points outside the folder.
    const { stdout: links } = await run("find", [till, "-type", "l"]);
    const outside: string[] = [];
    for (const link of links.split("\n").filter((l) => l !== "")) {
      if (link.endsWith("/.pnpm/node_modules/@tillroll/agent")) continue; // pnpm's self-link, unused
      const target = await realpath(link).catch(() => `dangling: ${link}`);
      if (relative(till, target).startsWith("..") || target.startsWith("dangling"))
        outside.push(`${link} -> ${target}`);
    }
    expect(outside).toEqual([]);
    const { stdout: modules } = await run("ls", [join(till, "node_modules")]);
    expect(modules).not.toMatch(/vitest|typescript|@biomejs/);

    const cli = join(till, "dist", "cli", "main.js");
    kit = await agentKit("deployed", { cli });
    await kit.pack({ name: "pos-client", version: "1.0.0" });
    await kit.agent.start();
    await kit.want("1.0.0");
    await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.0");
    expect(await readlink(`${kit.agent.root}/pos-client/current`)).toBe("releases/1.0.0");
  }, 120_000);
});
