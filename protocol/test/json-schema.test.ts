import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { renderJsonSchemas } from "../src/index.js";

const dir = new URL("../schema/", import.meta.url);

describe("generated JSON Schema files", () => {
  const expected = renderJsonSchemas();

  it("protocol/schema holds exactly the generated files (run `pnpm schema` after changing a schema)", async () => {
    const onDisk = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
    expect(onDisk).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))("%s is up to date", async (name) => {
    const text = await readFile(new URL(name, dir), "utf8");
    expect(text, `protocol/schema/${name} is out of date: run \`pnpm schema\``).toBe(
      expected[name],
    );
  });
});
