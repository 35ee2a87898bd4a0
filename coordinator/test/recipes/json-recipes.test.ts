import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirError } from "../../src/setup/data-dir-error.js";
import { JsonRecipes } from "../../src/store/json/json-recipes.js";

const GROUP = { kind: "group", group: "DE" } as const;
const TILL = { kind: "workstation", store: "1001", workstation: "01" } as const;
const WHO = { by: "admin", at: "2026-11-30T20:00:00.000Z" };
const content = (value: string) => ({
  env: { SHOP_URL: value, SHOP_TOKEN: "s3cret" },
  files: {},
  secrets: ["SHOP_TOKEN"],
});

describe("JsonRecipes", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tillroll-recipes-"));
  });
  afterEach(() => {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  it("versions each (function, scope) with history; a reopen keeps it; the file is mode 600", async () => {
    const store = await JsonRecipes.open(dir, () => {});
    const first = await store.set("pos-client", GROUP, content("a"), WHO);
    const second = await store.set("pos-client", GROUP, content("b"), { ...WHO, by: "anna" });
    const till = await store.set("pos-client", TILL, content("c"), WHO);
    expect([first.revision.version, second.revision.version, till.revision.version]).toEqual([
      1, 2, 1,
    ]);
    expect(second.changed).toBe(true);
    const unset = await store.unset("pos-client", GROUP, WHO);
    expect(unset?.version).toBe(3);
    expect(await store.unset("pos-client", GROUP, WHO)).toBeNull();
    // Setting it again continues the count: a version is never handed out twice.
    expect((await store.set("pos-client", GROUP, content("d"), WHO)).revision.version).toBe(4);

    expect(statSync(join(dir, "recipes.json")).mode & 0o777).toBe(0o600);
    const reopened = await JsonRecipes.open(dir, () => {});
    const records = await reopened.list("pos-client");
    const group = records.find((r) => r.scope.kind === "group");
    expect(group?.history.map((h) => [h.version, h.by, h.content === null])).toEqual([
      [1, "admin", false],
      [2, "anna", false],
      [3, "admin", true],
      [4, "admin", false],
    ]);
    expect(await reopened.list("other")).toEqual([]);
  });

  it("writes nothing when the content is the current one", async () => {
    const store = await JsonRecipes.open(dir, () => {});
    await store.set("pos-client", GROUP, content("a"), WHO);
    const before = readFileSync(join(dir, "recipes.json"), "utf8");
    const again = await store.set("pos-client", GROUP, content("a"), { ...WHO, by: "anna" });
    expect(again).toMatchObject({ changed: false, revision: { version: 1, by: "admin" } });
    expect(readFileSync(join(dir, "recipes.json"), "utf8")).toBe(before);
  });

  it("a failed write changes nothing, in memory or on disk", async () => {
    const store = await JsonRecipes.open(dir, () => {});
    await store.set("pos-client", GROUP, content("a"), WHO);
    const before = readFileSync(join(dir, "recipes.json"), "utf8");
    // A folder in place of the temp file's target: the write fails even for root.
    rmSync(join(dir, "recipes.json"));
    mkdirSync(join(dir, "recipes.json", "blocker"), { recursive: true });
    await expect(store.set("pos-client", GROUP, content("b"), WHO)).rejects.toThrow(
      /recipes were not changed/,
    );
    await expect(store.unset("pos-client", GROUP, WHO)).rejects.toThrow(/not changed/);
    const records = await store.list();
    expect(records[0]?.history).toHaveLength(1);
    expect(records[0]?.history[0]?.content?.env.SHOP_URL).toBe("a");
    rmSync(join(dir, "recipes.json"), { recursive: true });
    writeFileSync(join(dir, "recipes.json"), before);
    await expect((await JsonRecipes.open(dir, () => {})).list()).resolves.toHaveLength(1);
  });

  it("refuses to start on a damaged file, naming it", async () => {
    writeFileSync(join(dir, "recipes.json"), '{"schemaVersion":1,"records":[{"function":"x"}]}');
    await expect(JsonRecipes.open(dir, () => {})).rejects.toBeInstanceOf(DataDirError);
    await expect(JsonRecipes.open(dir, () => {})).rejects.toThrow(/recipes\.json is not a usable/);
  });

  it("removes the temp file of a write cut short", async () => {
    writeFileSync(join(dir, "recipes.json.tmp-0a0b0c0d"), "half");
    const logs: string[] = [];
    await JsonRecipes.open(dir, (line) => logs.push(line));
    expect(logs.join()).toMatch(/recipes write cut short/);
  });
});
