import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { RecipeContent } from "@tillroll/protocol";
import { writeFileDurably } from "../../files/durable-file.js";
import {
  type RecipeRecord,
  type RecipeRevision,
  type RecipeScope,
  sameScope,
} from "../../recipes/recipe-model.js";
import {
  type RecipeAuthor,
  recordWith,
  setRevision,
  unsetRevision,
} from "../../recipes/recipe-revisions.js";
import { DataDirError, errorText } from "../../setup/data-dir-error.js";
import type { RecipeStore } from "../recipe-store.js";
import { readDataFile } from "./data-files.js";
import { decodeRecipeFile, encodeRecipeFile } from "./recipe-file.js";

/**
 * RecipeStore over `DATA/recipes.json`, mode 600 (recipes hold secrets):
 * one small file replaced whole (temp file, fsync, rename, fsync of the
 * folder) on every change and kept in memory. A change is made on a copy
 * and becomes the state only once written: a failed write changes nothing.
 * Changes run one at a time.
 */
export class JsonRecipes implements RecipeStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private records: RecipeRecord[],
  ) {}

  /**
   * Reads the file (none yet: no recipes); a file that cannot be used stops
   * the start, naming it. A temp file of a write cut short is removed.
   */
  static async open(dataDir: string, log: (message: string) => void): Promise<JsonRecipes> {
    const path = join(dataDir, "recipes.json");
    for (const name of await readdir(dataDir).catch(() => [] as string[])) {
      if (!/^recipes\.json\.tmp-[0-9a-f]+$/.test(name)) continue;
      await unlink(join(dataDir, name)).catch(() => undefined);
      log(`removed ${join(dataDir, name)}: a recipes write cut short`);
    }
    const content = await readDataFile(path);
    if (content === null) return new JsonRecipes(path, []);
    const decoded = decodeRecipeFile(content);
    if (!decoded.ok)
      throw new DataDirError(
        `${path} is not a usable recipes file (${decoded.error}); restore it from your backup`,
      );
    return new JsonRecipes(path, decoded.value);
  }

  async list(fn?: string): Promise<RecipeRecord[]> {
    return structuredClone(
      fn === undefined ? this.records : this.records.filter((r) => r.function === fn),
    );
  }

  async set(
    fn: string,
    scope: RecipeScope,
    content: RecipeContent,
    who: RecipeAuthor,
  ): Promise<{ revision: RecipeRevision; changed: boolean }> {
    let result: { revision: RecipeRevision; changed: boolean } | null = null;
    await this.change((records) => {
      const planned = setRevision(find(records, fn, scope), content, who);
      result = planned;
      return planned.changed ? withRevision(records, fn, scope, planned.revision) : null;
    });
    return structuredClone(result as unknown as { revision: RecipeRevision; changed: boolean });
  }

  async unset(fn: string, scope: RecipeScope, who: RecipeAuthor): Promise<RecipeRevision | null> {
    let revision: RecipeRevision | null = null;
    await this.change((records) => {
      revision = unsetRevision(find(records, fn, scope), who);
      return revision === null ? null : withRevision(records, fn, scope, revision);
    });
    return structuredClone(revision);
  }

  /** Applies `edit` (null: nothing to change), writes the result durably, then makes it the state. */
  private change(edit: (records: RecipeRecord[]) => RecipeRecord[] | null): Promise<void> {
    const run = this.queue.then(async () => {
      const next = edit(this.records);
      if (next === null) return;
      try {
        await writeFileDurably(this.path, encodeRecipeFile(next), {
          mode: 0o600,
          existing: "replace",
        });
      } catch (error) {
        throw new Error(
          `cannot save ${this.path} (${errorText(error)}); the recipes were not changed`,
        );
      }
      this.records = next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function find(
  records: readonly RecipeRecord[],
  fn: string,
  scope: RecipeScope,
): RecipeRecord | undefined {
  return records.find((r) => r.function === fn && sameScope(r.scope, scope));
}

/** The records with `revision` appended to (fn, scope)'s history (a new record when it has none). */
function withRevision(
  records: readonly RecipeRecord[],
  fn: string,
  scope: RecipeScope,
  revision: RecipeRevision,
): RecipeRecord[] {
  const found = find(records, fn, scope);
  if (found === undefined) return [...records, recordWith(undefined, fn, scope, revision)];
  return records.map((r) => (r === found ? recordWith(r, fn, scope, revision) : r));
}
