import { type DesiredRecipe, recipeHash } from "@tillroll/protocol";
import { currentOf, type RecipeRecord, type RecipeScope, sameScope } from "./recipe-model.js";

/**
 * The effective recipe of one row (pure): the recipes of its function set at
 * the row's root group, each nearer group, its store and its workstation,
 * merged key by key, the nearer one winning (workstation > store > nearest
 * group > … > root group), for env keys and file paths alike. A key is
 * secret when the recipe its value comes from names it secret: secrets
 * follow their key, so a store overriding a group's secret password with a
 * plain value makes it plain, and the other way round.
 */

/** The row a recipe is resolved for. */
export interface RecipeTarget {
  readonly store: string;
  readonly workstation: string;
  /** The store's business unit group (`DE/North`); null: no group recipe applies. */
  readonly group: string | null;
}

export interface EffectiveRecipe {
  /** The highest version among the recipes that gave a key (what status reports back). */
  readonly version: number;
  /** recipeHash({env, files, secrets}): what `updates` compares with the applied one. */
  readonly sha256: string;
  readonly env: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, string>>;
  /** Sorted. */
  readonly secrets: readonly string[];
  /** Where each key's value comes from. */
  readonly from: {
    readonly env: Readonly<Record<string, RecipeScope>>;
    readonly files: Readonly<Record<string, RecipeScope>>;
  };
}

/** `DE/North/Hamburg` → `DE`, `DE/North`, `DE/North/Hamburg` (root first). */
export function groupChain(group: string | null): string[] {
  if (group === null) return [];
  const parts = group.split("/");
  return parts.map((_, index) => parts.slice(0, index + 1).join("/"));
}

/** The scopes that apply to `target`, farthest first (the order they are merged in). */
export function scopesFor(target: RecipeTarget): RecipeScope[] {
  return [
    ...groupChain(target.group).map((group): RecipeScope => ({ kind: "group", group })),
    { kind: "store", store: target.store },
    { kind: "workstation", store: target.store, workstation: target.workstation },
  ];
}

/**
 * The effective recipe of `fn` on `target` from the stored records (any
 * function's: others are ignored); null when no recipe of the function
 * applies to the row (nothing set, or every applying one unset).
 */
export function resolveRecipe(
  records: readonly RecipeRecord[],
  fn: string,
  target: RecipeTarget,
): EffectiveRecipe | null {
  const mine = records.filter((record) => record.function === fn);
  if (mine.length === 0) return null;
  const env: Record<string, string> = {};
  const files: Record<string, string> = {};
  const fromEnv: Record<string, RecipeScope> = {};
  const fromFiles: Record<string, RecipeScope> = {};
  const secretEnv = new Set<string>();
  const secretFiles = new Set<string>();
  let version = 0;
  for (const scope of scopesFor(target)) {
    const record = mine.find((candidate) => sameScope(candidate.scope, scope));
    const current = record === undefined ? null : currentOf(record);
    if (current === null) continue;
    const { content } = current;
    const secrets = new Set(content.secrets);
    let gave = false;
    for (const [key, value] of Object.entries(content.env)) {
      env[key] = value;
      fromEnv[key] = scope;
      if (secrets.has(key)) secretEnv.add(key);
      else secretEnv.delete(key);
      gave = true;
    }
    for (const [path, value] of Object.entries(content.files)) {
      files[path] = value;
      fromFiles[path] = scope;
      if (secrets.has(path)) secretFiles.add(path);
      else secretFiles.delete(path);
      gave = true;
    }
    if (gave) version = Math.max(version, current.version);
  }
  if (version === 0) return null;
  const sortedEnv = sortKeys(env);
  const sortedFiles = sortKeys(files);
  const secrets = [...new Set([...secretEnv, ...secretFiles])].sort();
  return {
    version,
    sha256: recipeHash({ env: sortedEnv, files: sortedFiles, secrets }),
    env: sortedEnv,
    files: sortedFiles,
    secrets,
    from: { env: sortKeys(fromEnv), files: sortKeys(fromFiles) },
  };
}

/** The effective recipe as the desired entry carries it (signed with the document). */
export function desiredRecipeOf(effective: EffectiveRecipe): DesiredRecipe {
  return {
    version: effective.version,
    sha256: effective.sha256,
    env: { ...effective.env },
    files: { ...effective.files },
    secrets: [...effective.secrets],
  };
}

/**
 * What the status overview says of a row's recipe: `current` when the
 * applied recipe (status `recipe.sha256`) is the effective one, `outdated`
 * when they differ (a recipe set, changed or removed since its release was
 * built), null when neither exists.
 */
export type RecipeMark = "current" | "outdated" | null;

export function recipeMark(
  effective: { readonly sha256: string } | null,
  applied: { readonly sha256: string } | null | undefined,
): RecipeMark {
  const want = effective?.sha256 ?? null;
  const have = applied?.sha256 ?? null;
  if (want === null && have === null) return null;
  return want === have ? "current" : "outdated";
}

/** The bytes of an effective recipe's values and file contents (the 64 KiB limit's measure). */
export function recipeValueBytes(recipe: {
  readonly env: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, string>>;
}): number {
  const encoder = new TextEncoder();
  let total = 0;
  for (const value of Object.values(recipe.env)) total += encoder.encode(value).length;
  for (const value of Object.values(recipe.files)) total += encoder.encode(value).length;
  return total;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key] as T]),
  );
}
