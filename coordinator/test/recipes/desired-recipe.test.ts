import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DesiredPublisher } from "../../src/desired/desired-publisher.js";
import { applyDesired, type DesiredRowChange } from "../../src/operations/apply-desired.js";
import { recipeSource } from "../../src/recipes/recipe-source.js";
import { JsonCoordinatorStore } from "../../src/store/json/json-store.js";

/**
 * The desired entry carries the recipe of the moment its request was made
 * (issue 13): a new request the effective one (agents with capability
 * "recipe" only), the same request its own, whatever changed since.
 */
describe("the recipe in desired entries", () => {
  let dir: string;
  let store: JsonCoordinatorStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "tillroll-desired-recipe-"));
    store = await JsonCoordinatorStore.open({ dir, log: () => {}, now: Date.now });
    const record = (workstation: string) => ({
      store: "1001",
      workstation,
      group: "DE",
      agentSecretHash: "x",
      posSecretHash: "x",
      enrolledAt: "2026-11-30T20:00:00.000Z",
    });
    await store.workstations.enrol([record("01"), record("02")]);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deps = () => ({
    workstations: store.workstations,
    desiredState: store.desired,
    fleet: store.fleet,
    packs: store.packs,
    desired: { send: async () => undefined } as unknown as DesiredPublisher,
    packBaseUrl: "http://127.0.0.1:1",
    now: Date.now,
    isOnline: () => true,
    recipes: recipeSource(store.recipes, (_s, ws) => (ws === "01" ? ["redeploy", "recipe"] : [])),
  });
  const change = (workstation: string, request: DesiredRowChange["request"]): DesiredRowChange => ({
    store: "1001",
    workstation,
    function: "pos-client",
    preferredVersion: "1.0.0",
    status: "Prepared",
    request,
    validFrom: null,
  });
  const setRecipe = (value: string) =>
    store.recipes.set(
      "pos-client",
      { kind: "group", group: "DE" },
      { env: { URL: value }, files: {}, secrets: [] },
      { by: "admin", at: "2026-11-30T20:00:00.000Z" },
    );
  const entry = async (workstation: string) =>
    (await store.desired.servicesOf({ store: "1001", workstation }))["pos-client"];

  it("a new request carries the effective recipe, only to an agent with capability recipe", async () => {
    await setRecipe("a");
    await applyDesired(deps(), [change("01", { kind: "new" }), change("02", { kind: "new" })]);
    expect((await entry("01"))?.recipe).toMatchObject({ version: 1, env: { URL: "a" } });
    expect(await entry("02")).not.toHaveProperty("recipe");
  });

  it("the same request keeps its recipe; a new one takes the changed recipe", async () => {
    await setRecipe("a");
    await applyDesired(deps(), [change("01", { kind: "given", requestId: "rel1-0-0-1" })]);
    await setRecipe("b");
    await applyDesired(deps(), [change("01", { kind: "given", requestId: "rel1-0-0-1" })]);
    expect((await entry("01"))?.recipe?.env).toEqual({ URL: "a" });
    await applyDesired(deps(), [change("01", { kind: "keep" })]);
    expect((await entry("01"))?.recipe?.env).toEqual({ URL: "a" });
    await applyDesired(deps(), [change("01", { kind: "new" })]);
    expect((await entry("01"))?.recipe).toMatchObject({ version: 2, env: { URL: "b" } });
  });
});
