// Recipes end to end with a real agent (issue 13): the coordinator's side
// (recipe set, updates, rebuild) and the agent's (applying the recipe,
// reporting it in its status) meet in the protocol fields only. A group
// recipe lists the till in `tillroll updates`; a rebuild builds a new
// release of the same version whose service sees the recipe's env and file;
// the till then reports the recipe applied and leaves the list.

import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../support/wait.js";
import { callApi } from "./console-calls.js";
import { CoordinatorKit } from "./coordinator-kit.js";

const DESCRIPTOR = {
  name: "pos-client",
  version: "1.0.0",
  service: { start: "bin/start" },
  recipe: { env: ["GREETING", "API_TOKEN"], files: ["config/till.txt"] },
};

/** Every `greeting.out` the service wrote (one per release folder it ran in). */
async function greetings(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && entry.name === "greeting.out")
      found.push(await readFile(join(entry.parentPath, entry.name), "utf8"));
  return found;
}

describe("recipes with a real agent", () => {
  let kit: CoordinatorKit;

  beforeAll(async () => {
    kit = await CoordinatorKit.create("recipe-agent");
    await kit.publish({
      name: "pos-client",
      version: "1.0.0",
      rawDescriptor: JSON.stringify(DESCRIPTOR),
      // The service writes what it got from the recipe (env and file) where the test finds it.
      start:
        'printf "%s|%s|%s" "$GREETING" "$API_TOKEN" "$(cat config/till.txt 2>/dev/null)" > greeting.out; exec sleep 100000',
    });
    await kit.enrolAndStart("5005/01", "NL/West", []);
    await kit.install("1.0.0");
  }, 40_000);

  afterAll(async () => {
    await kit?.close();
  });

  it("a group recipe lists the till in updates; a rebuild applies it and the list empties", async () => {
    const file = join(kit.dir.path, "nl.json");
    await writeFile(
      file,
      JSON.stringify({
        env: { GREETING: "hallo", API_TOKEN: "t0ken-t0ken" },
        files: { "config/till.txt": "till five" },
        secrets: ["API_TOKEN"],
      }),
    );
    const set = await kit.coordinator.console(
      "recipe",
      "set",
      "pos-client",
      "--group",
      "NL",
      "--file",
      file,
    );
    expect(set).toMatch(/1 row\(s\) affected[^\n]*\n {2}5005\/01\/pos-client/);
    const token = await kit.coordinator.token();
    const get = async (path: string) =>
      (await callApi(kit.coordinator.url, token, "GET", path)).body as {
        store: string;
        status: string;
        recipe?: string | null;
      }[];
    expect((await get("/api/updates")).map((r) => r.store)).toEqual(["5005"]);

    const rebuilt = await kit.coordinator.console(
      "rebuild",
      "--function",
      "pos-client",
      "--store",
      "5005",
    );
    expect(rebuilt).toMatch(/^1 changed, 0 skipped/);
    await pollUntil(
      async () => {
        const [r] = await get("/api/status?store=5005");
        return (r?.status === "OK" && r.recipe === "current") || undefined;
      },
      30_000,
      "the rebuild applied the recipe",
      200,
    );
    expect(await get("/api/updates")).toEqual([]);
    expect(await greetings(kit.dir.path)).toContain("hallo|t0ken-t0ken|till five");
    // The secret is in no console answer.
    const shown = await kit.coordinator.console(
      "recipe",
      "show",
      "pos-client",
      "--effective",
      "5005/01",
    );
    expect(shown).toMatch(/API_TOKEN=\(secret\)/);
    expect(shown).not.toContain("t0ken-t0ken");
  }, 40_000);
});
