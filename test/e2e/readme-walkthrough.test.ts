import { copyFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildPack } from "../support/packs.js";
import { AgentProcess } from "./agent-harness.js";
import { CoordinatorKit, row } from "./coordinator-kit.js";
import { type Ran, ReadmeShell } from "./readme-shell.js";

const readme = new URL("../../README.md", import.meta.url);

/** The shell lines of the README's walk-through, as written (comments left out). */
async function walkthrough(): Promise<string[]> {
  const text = await readFile(readme, "utf8");
  const start = text.indexOf("### A first rollout, step by step");
  expect(start).toBeGreaterThan(0);
  const open = text.indexOf("```sh\n", start) + "```sh\n".length;
  const block = text.slice(open, text.indexOf("```", open));
  return block.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
}

/**
 * Runs every line of the README's walk-through with a `tillroll` on the PATH
 * against a real coordinator, starting a real agent from each enrolment's
 * file as step 2 says, and checks that each line does what the text says.
 */
describe("README walk-through, executed", () => {
  let kit: CoordinatorKit | undefined;
  let work: string;
  let shell: ReadmeShell;
  let ran: Ran[] = [];

  // A fresh coordinator for every attempt (a retry must not find the tills enrolled).
  async function setUp(kit: CoordinatorKit): Promise<void> {
    ran = [];
    shell = await ReadmeShell.create(
      kit.dir.path,
      kit.coordinator.url,
      await kit.coordinator.token(),
    );
    work = shell.work;
    for (const [version, updatableFrom] of [
      ["1.0.0", undefined],
      ["1.1.0", ">=1.0.0 <1.1.0"],
    ] as const) {
      const pack = await buildPack(join(kit.dir.path, "packs", version), {
        name: "pos-client",
        version,
        ...(updatableFrom === undefined ? {} : { updatableFrom }),
      });
      await copyFile(pack.path, join(work, `pos-client-${version}.tgz`));
    }
  }
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  /** Step 2: the agent of the till enrolled by `line`, from the file it wrote. */
  async function startAgentFrom(kit: CoordinatorKit, line: string): Promise<void> {
    const file = /> (ws-[\w-]+\.json)/.exec(line)?.[1];
    if (file === undefined) return;
    const enrolled = JSON.parse(await readFile(join(work, file), "utf8"));
    const config = enrolled.agentConfig;
    const agent = new AgentProcess({
      dir: join(kit.dir.path, file.replace(".json", "")),
      brokerUrl: config.broker,
      coordinatorKey: config.coordinatorKey,
      store: config.store,
      workstation: config.workstation,
      readiness: config.readiness,
      recheckSeconds: 0.3,
      extraConfig: {
        username: enrolled.username,
        password: enrolled.password,
        group: config.group,
        reconnectMaxSeconds: 2,
      },
    });
    await agent.start();
    kit.agents.set(`${config.store}/${config.workstation}`, agent);
  }

  /** Store 1002 took 1.1.0; store 1001 stays on 1.0.0 with its planned update taken back. */
  async function rolloutEnded(kit: CoordinatorKit): Promise<void> {
    const rows = await kit.until("1002 on 1.1.0", (rs) => {
      const r = row(rs, "1002/01");
      return r?.status === "OK" && r.activeVersion === "1.1.0";
    });
    expect(row(rows, "1001/01")).toMatchObject({
      status: "OK",
      activeVersion: "1.0.0",
      preferredVersion: null,
    });
    firstPassword = JSON.parse(await readFile(join(work, "ws-1001-01.json"), "utf8")).password;
  }
  let firstPassword = "";

  it("every line runs and does what the text says", async () => {
    kit = await CoordinatorKit.create("readme-walkthrough");
    await setUp(kit);
    const lines = await walkthrough();
    expect(lines.length).toBeGreaterThan(8);
    // The night the update is planned for is always tomorrow (the README's date ages).
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    for (const written of lines) {
      const line = written.replace(/--valid-from \S+/, `--valid-from ${tomorrow}`);
      // Before the upkeep of step 7: the rollout ended where the text says.
      if (line.startsWith("tillroll workstation list")) await rolloutEnded(kit);
      const result = await shell.run(line);
      ran.push(result);
      const expectedCode = line.startsWith("tillroll retry") ? 4 : 0;
      expect(result.code, `${line}\n${result.stdout}\n${result.stderr}`).toBe(expectedCode);
      if (line.includes("workstation add")) await startAgentFrom(kit, line);
      if (line.includes("--install"))
        await kit.until(
          "1.0.0 installed",
          (rows) =>
            rows.length === 2 &&
            rows.every((r) => r.status === "OK" && r.activeVersion === "1.0.0"),
        );
    }
    const said = (part: string) => ran.find((r) => r.line.includes(part)) as Ran;
    expect(said("--install").stdout).toMatch(/^2 changed, 0 skipped/);
    expect(said("tillroll status --group DE\n".trim()).stdout).toMatch(/1001\s+01\s+pos-client/);
    expect(said("versions").stdout).toMatch(/^\s+-\s.*\n\s+1\.1\.0\s/m);
    expect(said("--dry-run").stdout).toMatch(/^Dry run, nothing changed: 1 would change/);
    expect(said("--version - --status prepared").stdout).toMatch(/^1 changed, 0 skipped/);
    expect(said("tillroll retry").stderr).toMatch(/nothing matched/);
    expect(said("tillroll audit").stdout).toMatch(/workstation add/);

    expect(said("workstation list").stdout).toMatch(/1001\/01[\s\S]*1002\/01/);
    expect(said("pack withdraw").stdout).toMatch(/1\.0\.0/);
    const rekeyed = JSON.parse(await readFile(join(work, "ws-1001-01.json"), "utf8"));
    expect(rekeyed.password).not.toBe(firstPassword);
    // The removed store's rows are gone; the other's stay.
    const rows = await kit.rows();
    expect(row(rows, "1002/01")).toBeUndefined();
    expect(row(rows, "1001/01")).toMatchObject({ activeVersion: "1.0.0" });
  }, 120_000);
});
