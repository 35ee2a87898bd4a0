import { describe, expect, it } from "vitest";
import type { RecipeRecord } from "../../src/recipes/recipe-model.js";
import { recipeSource } from "../../src/recipes/recipe-source.js";
import { makeRow } from "../fleet/fixtures.js";

const RECORD: RecipeRecord = {
  function: "pos-client",
  scope: { kind: "group", group: "DE" },
  history: [
    {
      version: 2,
      sha256: "a".repeat(64),
      content: { env: { A: "1", T: "s" }, files: {}, secrets: ["T"] },
      by: "admin",
      at: "2026-11-30T20:00:00.000Z",
    },
  ],
};

describe("recipeSource: the recipe a new request carries", () => {
  const source = recipeSource({ list: async () => [RECORD] }, (_store, ws) =>
    ws === "01" ? ["redeploy", "recipe"] : ws === "02" ? ["redeploy"] : null,
  );
  const row = (workstation: string, group: string | null = "DE/North", fn = "pos-client") => ({
    store: "1001",
    workstation,
    function: fn,
    group,
  });

  it("is the effective recipe for an agent with capability recipe", async () => {
    const recipeFor = await source.snapshot();
    expect(recipeFor(row("01"))).toMatchObject({
      version: 2,
      env: { A: "1", T: "s" },
      files: {},
      secrets: ["T"],
    });
  });

  it("is left out for an agent without the capability, or when none applies", async () => {
    const recipeFor = await source.snapshot();
    expect(recipeFor(row("02"))).toBeUndefined();
    expect(recipeFor(row("03"))).toBeUndefined();
    expect(recipeFor(row("01", "AT"))).toBeUndefined();
    expect(recipeFor(row("01", "DE", "backoffice"))).toBeUndefined();
  });

  it("marks rows outdated or current by the applied recipe's hash", async () => {
    const mark = await source.marker();
    const effective = (await source.snapshot())(row("01"));
    const base = makeRow({ ...row("01") });
    expect(mark(base)).toBe("outdated");
    expect(mark({ ...base, appliedRecipe: { version: 2, sha256: effective?.sha256 ?? "" } })).toBe(
      "current",
    );
    expect(mark({ ...base, group: "AT" })).toBeNull();
  });
});
