import { readFile } from "node:fs/promises";
import { agentConfigSchema } from "@tillroll/agent";
import { describe, expect, it } from "vitest";

const readme = new URL("../../README.md", import.meta.url);

/** The README's table of agent config keys says what the code accepts: no more, no less. */
describe("README: agent config keys", () => {
  it("documents every key the agent accepts, and no other", async () => {
    const text = await readFile(readme, "utf8");
    const start = text.indexOf("Every key of the config file");
    expect(start).toBeGreaterThan(0);
    const table = text.slice(start, text.indexOf("\n\n", text.indexOf("| key |", start)));
    const documented = new Set<string>();
    for (const line of table.split("\n").filter((l) => l.startsWith("| `"))) {
      const cell = line.split("|")[1] ?? "";
      for (const match of cell.matchAll(/`([A-Za-z]+)`/g)) documented.add(match[1] as string);
    }
    const accepted = Object.keys(agentConfigSchema.shape).sort();
    expect([...documented].sort()).toEqual(accepted);
  });
});
