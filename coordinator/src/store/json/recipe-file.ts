import {
  functionNameSchema,
  type Result,
  recipeContentSchema,
  recipeHashSchema,
} from "@tillroll/protocol";
import { z } from "zod";
import type { RecipeRecord } from "../../recipes/recipe-model.js";
import { recipeScopeSchema } from "../../recipes/recipe-scope-schema.js";
import { parseJsonFile } from "./data-files.js";

/**
 * `DATA/recipes.json` (mode 600: recipes hold secrets):
 * `{schemaVersion, records: [{function, scope, history: [...]}]}`. The
 * schema checks the shape when the file is read back (each change was
 * validated when it was made).
 */
export const RECIPE_FILE_VERSION = 1;

const iso = z.string().refine((value) => !Number.isNaN(Date.parse(value)), "is not a timestamp");

const fileSchema = z.strictObject({
  schemaVersion: z.literal(RECIPE_FILE_VERSION),
  records: z.array(
    z.strictObject({
      function: functionNameSchema,
      scope: recipeScopeSchema,
      history: z.array(
        z.strictObject({
          version: z.number().int().min(1),
          sha256: recipeHashSchema.nullable(),
          content: recipeContentSchema.nullable(),
          by: z.string(),
          at: iso,
        }),
      ),
    }),
  ),
});

export function encodeRecipeFile(records: readonly RecipeRecord[]): string {
  return `${JSON.stringify({ schemaVersion: RECIPE_FILE_VERSION, records }, null, 2)}\n`;
}

/** The records in the file's text, or why they cannot be used. */
export function decodeRecipeFile(content: string): Result<RecipeRecord[]> {
  const parsed = parseJsonFile(fileSchema, content);
  if (!parsed.ok) return parsed;
  return { ok: true, value: parsed.value.records as RecipeRecord[] };
}
