import { createHash } from "node:crypto";
import { recipeCanonicalJson } from "./schemas/recipe.js";

/** sha256 (lowercase hex) of a recipe's canonical JSON; node only (the browser never hashes). */
export function recipeHash(recipe: {
  env: Record<string, string>;
  files: Record<string, string>;
  secrets: readonly string[];
}): string {
  return createHash("sha256").update(recipeCanonicalJson(recipe)).digest("hex");
}
