import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { UsageError } from "../../src/cli/console-client.js";
import type { CliValues } from "../../src/cli/options.js";
import { rebuildRequest, recipeScopeFlags } from "../../src/cli/recipe-commands.js";

describe("the recipe commands' command lines", () => {
  it("every `tillroll recipe|updates|rebuild` line of the README parses as written", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const lines = readme
      .split("\n")
      .filter((line) => /^tillroll (recipe|updates|rebuild)\b/.test(line))
      .map((line) => line.replace(/\s+#.*$/, ""));
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) {
      const words = line.split(/\s+/);
      expect(parseCommandLine(words.slice(1)).kind, line).toBe("run");
    }
  });

  it("recipe scope flags: exactly one of --group, --store, --workstation S/W", () => {
    expect(recipeScopeFlags({ group: ["DE"] }, "recipe set")).toEqual({ group: "DE" });
    expect(recipeScopeFlags({ store: ["1001"] }, "recipe set")).toEqual({ store: "1001" });
    expect(recipeScopeFlags({ workstation: ["1001/01"] }, "recipe set")).toEqual({
      store: "1001",
      workstation: "01",
    });
    expect(recipeScopeFlags({}, "recipe show", true)).toEqual({});
    const refused: [CliValues, RegExp][] = [
      [{}, /give one of --group G, --store S, --workstation S\/W/],
      [{ group: ["DE"], store: ["1001"] }, /give one of/],
      [{ group: ["DE", "AT"] }, /--group takes one value, got DE, AT/],
      [{ workstation: ["01"] }, /--workstation "01" is not STORE\/WS/],
    ];
    for (const [values, message] of refused) {
      expect(() => recipeScopeFlags(values, "recipe set")).toThrow(UsageError);
      expect(() => recipeScopeFlags(values, "recipe set")).toThrow(message);
    }
  });

  it("rebuild needs --function and a narrowing filter or --all", () => {
    expect(rebuildRequest({ function: ["pos-client"], group: ["DE"], "dry-run": true })).toEqual({
      function: "pos-client",
      filters: { group: "DE" },
      all: false,
      dryRun: true,
    });
    expect(() => rebuildRequest({ group: ["DE"] })).toThrow(/--function F is required/);
    expect(() => rebuildRequest({ function: ["pos-client"] })).toThrow(
      /no filter narrows this rebuild/,
    );
    expect(() => rebuildRequest({ function: ["pos-client"], group: ["DE"], all: true })).toThrow(
      /cannot be combined with filters/,
    );
  });

  it("help names the commands", () => {
    for (const words of [["recipe", "set"], ["recipe", "show"], ["updates"], ["rebuild"]])
      expect(parseCommandLine([...words, "--help"])).toMatchObject({
        kind: "help",
        spec: { name: words.join(" ") },
      });
  });
});
