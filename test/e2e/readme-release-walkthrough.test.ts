import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CoordinatorKit, row } from "./coordinator-kit.js";
import { type Ran, ReadmeShell, walkthrough } from "./readme-shell.js";

const SECTION = "### A staged release, step by step";

interface Stage {
  name: string;
  state: string;
}
interface Release {
  id: string;
  state: string;
  stages: Stage[];
}

const STORES = { "1001": "DE/North", "1002": "DE/South", "1003": "DE/West" } as const;

/**
 * Runs the README's staged release line by line with a `tillroll` on the
 * PATH against a real coordinator and a real agent in each of three stores,
 * waiting where the text says the release waits, and checks that the
 * release ends where the text says: every till on 1.1.0, stage after stage.
 */
describe("README staged release walk-through, executed", () => {
  let kit: CoordinatorKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it("every line runs and the release ends Successful, stage by stage", async () => {
    kit = await CoordinatorKit.create("readme-release");
    const shell = await ReadmeShell.create(
      kit.dir.path,
      kit.coordinator.url,
      await kit.coordinator.token(),
    );
    const sh = (line: string) => shell.run(line);
    const show = async (): Promise<Release> => {
      const out = await sh("tillroll release show 1 --json");
      expect(out.code, out.stderr).toBe(0);
      return JSON.parse(out.stdout) as Release;
    };
    const untilRelease = async (what: string, done: (r: Release) => boolean) => {
      const deadline = Date.now() + 60_000;
      let seen: Release | undefined;
      while (Date.now() < deadline) {
        seen = await show();
        if (done(seen)) return seen;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`release never reached: ${what}; last seen ${JSON.stringify(seen)}`);
    };
    const stage = (r: Release, name: string) => r.stages.find((s) => s.name === name)?.state;

    // The fleet the text assumes: one till in each of three German stores on 1.0.0.
    await kit.publish({ name: "pos-client", version: "1.0.0" });
    await kit.publish({ name: "pos-client", version: "1.1.0" });
    for (const [store, group] of Object.entries(STORES))
      await kit.enrolAndStart(`${store}/01`, group);
    await kit.install("1.0.0");

    const { document, lines } = await walkthrough(SECTION);
    await writeFile(join(shell.work, "spring.json"), document);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    const ran: Ran[] = [];
    for (const line of lines) {
      // Where the text says the release waits, wait for it as a reader would.
      if (line.includes("release approve"))
        await untilRelease(
          "wave 1 waits for an approval",
          (r) => stage(r, "wave 1") === "Waiting for approval",
        );
      if (line.includes("release trigger"))
        await untilRelease(
          "rest waits for a trigger",
          (r) => stage(r, "rest") === "Waiting for trigger",
        );
      if (line.includes("--json > release-1.json"))
        await untilRelease("the release ended", (r) => r.state !== "Running");
      const result = await sh(line);
      ran.push(result);
      expect(result.code, `${line}\n${result.stdout}\n${result.stderr}`).toBe(0);
    }
    const said = (part: string) => ran.find((r) => r.line.includes(part)) as Ran;
    expect(said("release create").stdout).toMatch(/\b1\b[\s\S]*Ready/);
    expect(said("release start").stdout).toMatch(/Running/);
    expect(said("release show 1\n".trim()).stdout).toMatch(/pilot/);
    expect(said("release approve").stdout).toMatch(/Running/);

    const ended = JSON.parse(await readFile(join(shell.work, "release-1.json"), "utf8")) as Release;
    expect(ended.state).toBe("Successful");
    expect(ended.stages.map((s) => [s.name, s.state])).toEqual([
      ["pilot", "Successful"],
      ["wave 1", "Successful"],
      ["rest", "Successful"],
    ]);
    expect(said("release list").stdout).toMatch(/pos-client 1\.1\.0 spring[\s\S]*Successful/);
    expect(said("tillroll audit").stdout).toMatch(/release approve/);
    const rows = await kit.rows();
    for (const store of Object.keys(STORES))
      expect(row(rows, `${store}/01`)).toMatchObject({ status: "OK", activeVersion: "1.1.0" });
  }, 150_000);
});
