import { recipeHash } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import type { RecipeRecord, RecipeScope } from "../../src/recipes/recipe-model.js";
import {
  groupChain,
  recipeMark,
  resolveRecipe,
  scopesFor,
} from "../../src/recipes/resolve-recipe.js";

type Content = { env?: Record<string, string>; files?: Record<string, string>; secrets?: string[] };

function record(
  scope: RecipeScope,
  content: Content | null,
  version = 1,
  fn = "pos-client",
): RecipeRecord {
  const full =
    content === null
      ? null
      : { env: content.env ?? {}, files: content.files ?? {}, secrets: content.secrets ?? [] };
  return {
    function: fn,
    scope,
    history: [
      {
        version,
        sha256: full === null ? null : recipeHash(full),
        content: full,
        by: "admin",
        at: "2026-11-30T20:00:00.000Z",
      },
    ],
  };
}

const DE: RecipeScope = { kind: "group", group: "DE" };
const NORTH: RecipeScope = { kind: "group", group: "DE/North" };
const STORE: RecipeScope = { kind: "store", store: "1001" };
const TILL: RecipeScope = { kind: "workstation", store: "1001", workstation: "01" };
const ROW = { store: "1001", workstation: "01", group: "DE/North" };

describe("groupChain and scopesFor", () => {
  it("lists the groups root first, then store and workstation", () => {
    expect(groupChain("DE/North/Hamburg")).toEqual(["DE", "DE/North", "DE/North/Hamburg"]);
    expect(groupChain(null)).toEqual([]);
    expect(scopesFor(ROW)).toEqual([DE, NORTH, STORE, TILL]);
  });
});

describe("resolveRecipe: merge per key, nearest scope wins", () => {
  const cases: {
    name: string;
    records: RecipeRecord[];
    row?: { store: string; workstation: string; group: string | null };
    env?: Record<string, string>;
    files?: Record<string, string>;
    secrets?: string[];
    version?: number;
    none?: true;
  }[] = [
    { name: "nothing set", records: [], none: true },
    {
      name: "root group only",
      records: [record(DE, { env: { A: "de" } })],
      env: { A: "de" },
      version: 1,
    },
    {
      name: "nearer group overrides the root per key, others inherited",
      records: [
        record(DE, { env: { A: "de", B: "de" } }, 3),
        record(NORTH, { env: { A: "north" } }, 1),
      ],
      env: { A: "north", B: "de" },
      version: 3,
    },
    {
      name: "store over group, workstation over store",
      records: [
        record(DE, { env: { A: "de", B: "de", C: "de" } }),
        record(STORE, { env: { B: "store", C: "store" } }),
        record(TILL, { env: { C: "till" } }, 2),
      ],
      env: { A: "de", B: "store", C: "till" },
      version: 2,
    },
    {
      name: "files merge per path like env keys",
      records: [
        record(DE, { files: { "a.txt": "de", "b.txt": "de" } }),
        record(TILL, { files: { "b.txt": "till" } }),
      ],
      files: { "a.txt": "de", "b.txt": "till" },
    },
    {
      name: "a secret follows its key: a plain override makes it plain",
      records: [
        record(DE, { env: { TOKEN: "s3cret", URL: "u" }, secrets: ["TOKEN"] }),
        record(STORE, { env: { TOKEN: "plain" } }),
      ],
      env: { TOKEN: "plain", URL: "u" },
      secrets: [],
    },
    {
      name: "a secret override makes an inherited plain key secret",
      records: [
        record(DE, { env: { TOKEN: "plain" } }),
        record(TILL, {
          env: { TOKEN: "s3cret" },
          files: { "k.pem": "x" },
          secrets: ["TOKEN", "k.pem"],
        }),
      ],
      env: { TOKEN: "s3cret" },
      files: { "k.pem": "x" },
      secrets: ["TOKEN", "k.pem"],
    },
    {
      name: "an inherited secret stays secret where not overridden",
      records: [
        record(DE, { env: { TOKEN: "s3cret" }, secrets: ["TOKEN"] }),
        record(STORE, { env: { URL: "u" } }),
      ],
      env: { TOKEN: "s3cret", URL: "u" },
      secrets: ["TOKEN"],
    },
    {
      name: "other groups, stores and workstations do not apply",
      records: [
        record({ kind: "group", group: "DE/South" }, { env: { A: "south" } }),
        record({ kind: "group", group: "AT" }, { env: { A: "at" } }),
        record({ kind: "store", store: "1002" }, { env: { A: "1002" } }),
        record({ kind: "workstation", store: "1001", workstation: "02" }, { env: { A: "02" } }),
      ],
      none: true,
    },
    {
      name: "a group is matched on whole segments (DE does not cover DEX)",
      records: [record({ kind: "group", group: "DE" }, { env: { A: "de" } })],
      row: { store: "1001", workstation: "01", group: "DEX/North" },
      none: true,
    },
    {
      name: "a row without a group gets store and workstation recipes only",
      records: [record(DE, { env: { A: "de" } }), record(STORE, { env: { B: "s" } })],
      row: { store: "1001", workstation: "01", group: null },
      env: { B: "s" },
    },
    {
      name: "an unset recipe no longer applies",
      records: [record(DE, { env: { A: "de" } }), record(STORE, null, 2)],
      env: { A: "de" },
      version: 1,
    },
    {
      name: "another function's recipe is ignored",
      records: [record(DE, { env: { A: "de" } }, 1, "backoffice")],
      none: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const effective = resolveRecipe(c.records, "pos-client", c.row ?? ROW);
      if (c.none) {
        expect(effective).toBeNull();
        return;
      }
      expect(effective).not.toBeNull();
      const env = c.env ?? {};
      const files = c.files ?? {};
      const secrets = c.secrets ?? [];
      expect(effective?.env).toEqual(env);
      expect(effective?.files).toEqual(files);
      expect(effective?.secrets).toEqual(secrets);
      expect(effective?.sha256).toBe(recipeHash({ env, files, secrets }));
      if (c.version !== undefined) expect(effective?.version).toBe(c.version);
    });
  }

  it("says where each key comes from", () => {
    const effective = resolveRecipe(
      [record(DE, { env: { A: "de", B: "de" } }), record(TILL, { env: { B: "till" } })],
      "pos-client",
      ROW,
    );
    expect(effective?.from.env).toEqual({ A: DE, B: TILL });
  });

  it("gives the same hash whatever order the keys were written in", () => {
    const a = resolveRecipe([record(DE, { env: { A: "1", B: "2" } })], "pos-client", ROW);
    const b = resolveRecipe([record(DE, { env: { B: "2", A: "1" } })], "pos-client", ROW);
    expect(a?.sha256).toBe(b?.sha256);
  });
});

describe("recipeMark", () => {
  const sha = (n: number) => String(n).repeat(64).slice(0, 64);
  it.each([
    [null, null, null],
    [{ sha256: sha(1) }, null, "outdated"],
    [{ sha256: sha(1) }, undefined, "outdated"],
    [{ sha256: sha(1) }, { sha256: sha(1) }, "current"],
    [{ sha256: sha(1) }, { sha256: sha(2) }, "outdated"],
    [null, { sha256: sha(2) }, "outdated"],
  ] as const)("effective %j, applied %j → %s", (effective, applied, mark) => {
    expect(recipeMark(effective, applied)).toBe(mark);
  });
});
