// The revisions a recipe change makes, shared by both RecipeStores (JSON, PostgreSQL).

import type { RecipeContent } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import type { RecipeRecord } from "../../src/recipes/recipe-model.js";
import { recordWith, setRevision, unsetRevision } from "../../src/recipes/recipe-revisions.js";

const who = { by: "admin", at: "2026-11-30T09:00:00.000Z" };
const scope = { kind: "store", store: "1001" } as const;
const content: RecipeContent = { env: { SHOP_URL: "https://shop" }, files: {}, secrets: [] };

describe("recipe revisions", () => {
  it("a first set is version 1; the same content again changes nothing; an unset counts on", () => {
    const first = setRevision(undefined, content, who);
    expect(first).toMatchObject({ changed: true, revision: { version: 1, content, by: "admin" } });
    const record: RecipeRecord = recordWith(undefined, "pos", scope, first.revision);
    expect(record).toEqual({ function: "pos", scope, history: [first.revision] });
    expect(setRevision(record, content, who)).toEqual({ revision: first.revision, changed: false });
    const unset = unsetRevision(record, who);
    expect(unset).toEqual({ version: 2, sha256: null, content: null, ...who });
    const after = recordWith(record, "pos", scope, unset ?? first.revision);
    expect(after.history).toHaveLength(2);
    expect(unsetRevision(after, who)).toBeNull();
    expect(unsetRevision(undefined, who)).toBeNull();
    expect(setRevision(after, content, who).revision.version).toBe(3);
  });
});
