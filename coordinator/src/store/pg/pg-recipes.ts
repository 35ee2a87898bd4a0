import type { RecipeContent } from "@tillroll/protocol";
import type { RecipeRecord, RecipeRevision, RecipeScope } from "../../recipes/recipe-model.js";
import {
  type RecipeAuthor,
  recordWith,
  setRevision,
  unsetRevision,
} from "../../recipes/recipe-revisions.js";
import type { RecipeStore } from "../recipe-store.js";
import type { PgDatabase, Queryable } from "./pg-database.js";

/**
 * RecipeStore over the `recipes` table: one row per (function, scope) holding its record
 * with the whole history, listed in the order the pairs were first set. A change locks the
 * table against other changes (not reads) for its transaction, so two coordinators never
 * hand out the same revision version. Recipes hold secrets: the database's own access
 * rules keep them to the coordinator's role.
 */
export class PgRecipes implements RecipeStore {
  constructor(private readonly db: PgDatabase) {}

  async list(fn?: string): Promise<RecipeRecord[]> {
    const { rows } = await this.db.query<{ record: RecipeRecord }>(
      fn === undefined
        ? "SELECT record FROM recipes ORDER BY ord"
        : "SELECT record FROM recipes WHERE function = $1 ORDER BY ord",
      fn === undefined ? [] : [fn],
    );
    return rows.map((r) => r.record);
  }

  set(
    fn: string,
    scope: RecipeScope,
    content: RecipeContent,
    who: RecipeAuthor,
  ): Promise<{ revision: RecipeRevision; changed: boolean }> {
    return this.db.transaction(async (client) => {
      const record = await locked(client, fn, scope);
      const planned = setRevision(record, content, who);
      if (planned.changed)
        await write(client, fn, scope, recordWith(record, fn, scope, planned.revision));
      return planned;
    });
  }

  unset(fn: string, scope: RecipeScope, who: RecipeAuthor): Promise<RecipeRevision | null> {
    return this.db.transaction(async (client) => {
      const record = await locked(client, fn, scope);
      const revision = unsetRevision(record, who);
      if (revision !== null)
        await write(client, fn, scope, recordWith(record, fn, scope, revision));
      return revision;
    });
  }
}

/** The row key of a scope: `group:DE/North`, `store:1001`, `workstation:1001/01`. */
function scopeKey(scope: RecipeScope): string {
  if (scope.kind === "group") return `group:${scope.group}`;
  if (scope.kind === "store") return `store:${scope.store}`;
  return `workstation:${scope.store}/${scope.workstation}`;
}

/** The (fn, scope) record with other changes locked out until the transaction ends. */
async function locked(
  client: Queryable,
  fn: string,
  scope: RecipeScope,
): Promise<RecipeRecord | undefined> {
  // A row lock cannot cover a pair not stored yet: lock out other writers of the table.
  await client.query("LOCK TABLE recipes IN SHARE ROW EXCLUSIVE MODE");
  const { rows } = await client.query<{ record: RecipeRecord }>(
    "SELECT record FROM recipes WHERE function = $1 AND scope_key = $2",
    [fn, scopeKey(scope)],
  );
  return rows[0]?.record;
}

async function write(
  client: Queryable,
  fn: string,
  scope: RecipeScope,
  next: RecipeRecord,
): Promise<void> {
  await client.query(
    `INSERT INTO recipes (function, scope_key, record) VALUES ($1, $2, $3)
     ON CONFLICT (function, scope_key) DO UPDATE SET record = EXCLUDED.record`,
    [fn, scopeKey(scope), JSON.stringify(next)],
  );
}
