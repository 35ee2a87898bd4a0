import { lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DesiredRecipe,
  type FunctionPackDescriptor,
  functionPackDescriptorSchema,
  recipeHash,
} from "@tillroll/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  appliedRecipeOf,
  applyRecipe,
  RECIPE_STATE_FILE,
  readAppliedRecipe,
  recipeEnvOf,
  recipeProblem,
} from "../../src/recipe/apply-recipe.js";

const descriptor: FunctionPackDescriptor = functionPackDescriptorSchema.parse({
  name: "pos-client",
  version: "1.2.0",
  service: { start: "bin/start" },
  recipe: { env: ["GREETING", "DB_PASSWORD"], files: ["config/app.json", "config/key.pem"] },
});

function recipe(
  content: Partial<Pick<DesiredRecipe, "env" | "files" | "secrets">>,
  version = 3,
): DesiredRecipe {
  const body = { env: {}, files: {}, secrets: [], ...content };
  return { version, sha256: recipeHash(body), ...body };
}

describe("recipeProblem", () => {
  const rows: { name: string; recipe: DesiredRecipe; problem: string | null }[] = [
    { name: "empty recipe", recipe: recipe({}), problem: null },
    {
      name: "declared env and files",
      recipe: recipe({ env: { GREETING: "hi" }, files: { "config/app.json": "{}" } }),
      problem: null,
    },
    {
      name: "an undeclared env key",
      recipe: recipe({ env: { GREETING: "hi", TAX_RATE: "19" } }),
      problem: "recipe sets TAX_RATE, which pos-client 1.2.0 does not declare",
    },
    {
      name: "an undeclared file and env key, all named",
      recipe: recipe({ env: { X: "1" }, files: { "etc/other.conf": "" } }),
      problem: "recipe sets X, etc/other.conf, which pos-client 1.2.0 does not declare",
    },
    {
      name: "a secret that names nothing the recipe sets",
      recipe: recipe({ env: { GREETING: "hi" }, secrets: ["DB_PASSWORD"] }),
      problem: "recipe v3: secrets names DB_PASSWORD, which it does not set",
    },
    {
      name: "a hash that does not match the content",
      recipe: { ...recipe({ env: { GREETING: "hi" } }), sha256: "0".repeat(64) },
      problem: `recipe v3: its content does not match its sha256 ${"0".repeat(64)}`,
    },
  ];
  it.each(rows)("$name", ({ recipe: r, problem }) => {
    expect(recipeProblem(descriptor, r, recipeHash(r))).toBe(problem);
  });

  it("a pack that declares nothing refuses any key", () => {
    const bare = { ...descriptor, recipe: undefined };
    const r = recipe({ env: { GREETING: "hi" } });
    expect(recipeProblem(bare, r, recipeHash(r))).toBe(
      "recipe sets GREETING, which pos-client 1.2.0 does not declare",
    );
  });
});

describe("applyRecipe (real files)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "tillroll-apply-recipe-"));
    await mkdir(join(dir, "config"), { recursive: true });
    await writeFile(join(dir, "config/app.json"), '{"default":true}');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes declared files (secret ones mode 600) and the env the release keeps", async () => {
    const r = recipe({
      env: { GREETING: "hello", DB_PASSWORD: "s3cret-pw" },
      files: { "config/app.json": '{"store":1001}', "config/key.pem": "-----KEY-----" },
      secrets: ["DB_PASSWORD", "config/key.pem"],
    });
    expect(await applyRecipe(dir, descriptor, r)).toEqual({ ok: true });
    expect(await readFile(join(dir, "config/app.json"), "utf8")).toBe('{"store":1001}');
    expect((await stat(join(dir, "config/app.json"))).mode & 0o777).toBe(0o644);
    expect(await readFile(join(dir, "config/key.pem"), "utf8")).toBe("-----KEY-----");
    expect((await stat(join(dir, "config/key.pem"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, RECIPE_STATE_FILE))).mode & 0o777).toBe(0o600);
    expect(await recipeEnvOf(dir)).toEqual({ GREETING: "hello", DB_PASSWORD: "s3cret-pw" });
    expect(await readAppliedRecipe(dir)).toMatchObject({ version: 3, sha256: r.sha256 });
    expect(appliedRecipeOf(r)).toEqual({ version: 3, sha256: r.sha256 });
  });

  it("refuses an undeclared key and writes nothing", async () => {
    const r = recipe({
      env: { GREETING: "hi", TAX_RATE: "19" },
      files: { "config/app.json": "x" },
    });
    expect(await applyRecipe(dir, descriptor, r)).toEqual({
      ok: false,
      reason: "recipe sets TAX_RATE, which pos-client 1.2.0 does not declare",
    });
    expect(await readFile(join(dir, "config/app.json"), "utf8")).toBe('{"default":true}');
    expect(await readAppliedRecipe(dir)).toBeNull();
  });

  it("no recipe: the pack's files stay, no env", async () => {
    expect(await applyRecipe(dir, descriptor, null)).toEqual({ ok: true });
    expect(await readFile(join(dir, "config/app.json"), "utf8")).toBe('{"default":true}');
    expect(await recipeEnvOf(dir)).toEqual({});
  });

  it("replaces a symlink the pack put at a declared path instead of writing through it", async () => {
    const outside = join(dir, "..", `outside-${Date.now()}`);
    await writeFile(outside, "untouched");
    await rm(join(dir, "config/app.json"));
    await symlink(outside, join(dir, "config/app.json"));
    const r = recipe({ files: { "config/app.json": "mine" } });
    expect(await applyRecipe(dir, descriptor, r)).toEqual({ ok: true });
    expect(await readFile(outside, "utf8")).toBe("untouched");
    expect((await lstat(join(dir, "config/app.json"))).isSymbolicLink()).toBe(false);
    await rm(outside);
  });

  it("refuses a declared path whose folder is a symlink leading out of the release", async () => {
    const outside = await mkdtemp(join(tmpdir(), "tillroll-apply-outside-"));
    await rm(join(dir, "config"), { recursive: true });
    await symlink(outside, join(dir, "config"));
    const r = recipe({ files: { "config/app.json": "mine" } });
    expect(await applyRecipe(dir, descriptor, r)).toEqual({
      ok: false,
      reason: "recipe file config/app.json would be written outside the release",
    });
    await rm(outside, { recursive: true });
  });
});
