import type { RecipeContent } from "@tillroll/protocol/pure";

/**
 * Recipes (issue 13): a flow service's configuration (env variables and
 * files its pack's descriptor declares it reads), set per function at one
 * scope: a business unit group (its subgroups and stores inherit it), a
 * store, or one workstation. Each (function, scope) keeps its history.
 */

/** Where a recipe is set. */
export type RecipeScope =
  | { readonly kind: "group"; readonly group: string }
  | { readonly kind: "store"; readonly store: string }
  | { readonly kind: "workstation"; readonly store: string; readonly workstation: string };

/** One change of a (function, scope): a new content, or its removal (`content` null). */
export interface RecipeRevision {
  /** 1, 2, … per (function, scope): never handed out twice, unsets included. */
  readonly version: number;
  /** recipeHash of the content; null for an unset. */
  readonly sha256: string | null;
  readonly content: RecipeContent | null;
  /** Who changed it (operator name) and when (ISO 8601 UTC). */
  readonly by: string;
  readonly at: string;
}

/** A (function, scope) with every revision, oldest first; current = the last one (null content: unset). */
export interface RecipeRecord {
  readonly function: string;
  readonly scope: RecipeScope;
  readonly history: readonly RecipeRevision[];
}

/** The content a record holds now, with its revision; null when unset. */
export function currentOf(
  record: RecipeRecord,
): (RecipeRevision & { content: RecipeContent; sha256: string }) | null {
  const last = record.history[record.history.length - 1];
  if (last === undefined || last.content === null || last.sha256 === null) return null;
  return last as RecipeRevision & { content: RecipeContent; sha256: string };
}

export function sameScope(a: RecipeScope, b: RecipeScope): boolean {
  if (a.kind === "group") return b.kind === "group" && a.group === b.group;
  if (a.kind === "store") return b.kind === "store" && a.store === b.store;
  return b.kind === "workstation" && a.store === b.store && a.workstation === b.workstation;
}

/** `group DE`, `store 1001`, `workstation 1001/01`: how messages and tables name a scope. */
export function describeRecipeScope(scope: RecipeScope): string {
  switch (scope.kind) {
    case "group":
      return `group ${scope.group}`;
    case "store":
      return `store ${scope.store}`;
    case "workstation":
      return `workstation ${scope.store}/${scope.workstation}`;
  }
}

/** What a secret's value is shown as, everywhere outside the desired document. */
export const SECRET_MASK = "(secret)";

/** The content with every secret value replaced by SECRET_MASK (for answers and logs). */
export function maskRecipe<
  T extends {
    env: Record<string, string>;
    files: Record<string, string>;
    secrets: readonly string[];
  },
>(recipe: T): T {
  const secret = new Set(recipe.secrets);
  const mask = (record: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(record).map(([key, value]) => [key, secret.has(key) ? SECRET_MASK : value]),
    );
  return {
    ...recipe,
    env: mask(recipe.env),
    files: mask(recipe.files),
    secrets: [...recipe.secrets],
  };
}
