import * as z from "zod";
import { packPathSchema, recipeEnvNameSchema } from "../descriptor.js";
import { whenString } from "../validation.js";

/** A recipe's content above this many bytes (values and file contents together) is refused. */
export const MAX_RECIPE_BYTES = 64 * 1024;

/**
 * A flow service's configuration as an operator writes it (`tillroll recipe
 * set … --file recipe.json`): environment variables and whole files, each
 * one the pack's descriptor declares it reads (`recipe` in the descriptor).
 * `secrets` names the env keys and file paths whose values are never shown
 * in the console or CLI and never written to a log.
 */
export const recipeContentSchema = z
  .strictObject({
    env: z.record(recipeEnvNameSchema, z.string().max(MAX_RECIPE_BYTES)).default({}),
    files: z.record(packPathSchema, z.string().max(MAX_RECIPE_BYTES)).default({}),
    secrets: z.array(z.string().min(1).max(256)).max(64).default([]),
  })
  .superRefine((recipe, ctx) => {
    for (const name of recipe.secrets) {
      if (!(name in recipe.env) && !(name in recipe.files)) {
        ctx.addIssue({
          code: "custom",
          path: ["secrets"],
          message: `names ${JSON.stringify(name)}, which is neither an env key nor a file of this recipe`,
        });
      }
    }
    const bytes = recipeBytes(recipe);
    if (bytes > MAX_RECIPE_BYTES)
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `is ${bytes} bytes of values and files, above the limit of ${MAX_RECIPE_BYTES}`,
      });
  })
  .meta({
    title: "Recipe",
    description:
      "A flow service's configuration: env variables and files (paths relative to the release folder); secrets are never shown or logged",
  });

export type RecipeContent = z.output<typeof recipeContentSchema>;
export type RecipeContentInput = z.input<typeof recipeContentSchema>;

function recipeBytes(recipe: { env: Record<string, string>; files: Record<string, string> }) {
  let total = 0;
  for (const value of Object.values(recipe.env)) total += new TextEncoder().encode(value).length;
  for (const value of Object.values(recipe.files)) total += new TextEncoder().encode(value).length;
  return total;
}

/** The sha256 of a recipe's canonical content (recipeCanonicalJson), lowercase hex. */
export const recipeHashSchema = z.string().regex(/^[0-9a-f]{64}$/, {
  error: whenString((input) => `${JSON.stringify(input)} is not a lowercase hex sha256`),
});

/** A recipe as the desired document carries it (signed with the document). */
export const desiredRecipeSchema = z
  .object({
    version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    sha256: recipeHashSchema,
    env: z.record(recipeEnvNameSchema, z.string().max(MAX_RECIPE_BYTES)),
    files: z.record(packPathSchema, z.string().max(MAX_RECIPE_BYTES)),
    secrets: z.array(z.string().min(1).max(256)).max(64),
  })
  .meta({
    description:
      "The effective recipe for this service; sha256 = recipeHash({env, files, secrets}) (sorted-key JSON)",
  });

/** What a status reports of the recipe the running release was built with. */
export const appliedRecipeSchema = z
  .object({
    version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    sha256: recipeHashSchema,
  })
  .meta({ description: "The recipe the active release was built with" });

export type DesiredRecipe = z.infer<typeof desiredRecipeSchema>;
export type AppliedRecipe = z.infer<typeof appliedRecipeSchema>;

/**
 * The canonical bytes a recipe's hash is taken of: JSON with keys sorted at
 * every level and `secrets` sorted, so the same configuration always has the
 * same hash wherever it is computed (coordinator, agent, tests).
 */
export function recipeCanonicalJson(recipe: {
  env: Record<string, string>;
  files: Record<string, string>;
  secrets: readonly string[];
}): string {
  const sorted = (record: Record<string, string>) =>
    Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, record[key]]),
    );
  return JSON.stringify({
    env: sorted(recipe.env),
    files: sorted(recipe.files),
    secrets: [...new Set(recipe.secrets)].sort(),
  });
}
