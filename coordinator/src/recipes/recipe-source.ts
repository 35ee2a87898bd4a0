import type { DesiredRecipe } from "@tillroll/protocol";
import type { ServiceRow } from "../fleet/service-row.js";
import type { RecipeStore } from "../store/recipe-store.js";
import { desiredRecipeOf, type RecipeMark, recipeMark, resolveRecipe } from "./resolve-recipe.js";

/** The capability an agent lists (presence) when it applies recipes. */
export const RECIPE_CAPABILITY = "recipe";

/** A row a request is made for. */
export interface RecipeRow {
  readonly store: string;
  readonly workstation: string;
  readonly function: string;
  readonly group: string | null;
}

/**
 * The recipe a new request carries in its desired entry: the row's
 * effective recipe, or undefined (the field left out) when there is none or
 * the row's agent would not understand one (no capability "recipe").
 */
export type RecipeForRow = (row: RecipeRow) => DesiredRecipe | undefined;

export interface RecipeSource {
  /** The recipes as stored now, to resolve a batch of rows with (read once per batch). */
  snapshot(): Promise<RecipeForRow>;
  /** The status overview's mark of each row (`outdated` / `current` / null), over one read. */
  marker(): Promise<(row: ServiceRow) => RecipeMark>;
}

/** A RecipeSource over the recipe store and the agents' capabilities (`store/ws` → list). */
export function recipeSource(
  store: Pick<RecipeStore, "list">,
  capabilitiesOf: (store: string, workstation: string) => readonly string[] | null,
): RecipeSource {
  return {
    async snapshot() {
      const records = await store.list();
      return (row) => {
        if (records.length === 0) return undefined;
        if (!(capabilitiesOf(row.store, row.workstation)?.includes(RECIPE_CAPABILITY) ?? false))
          return undefined;
        const effective = resolveRecipe(records, row.function, row);
        return effective === null ? undefined : desiredRecipeOf(effective);
      };
    },
    async marker() {
      const records = await store.list();
      return (row) =>
        records.length === 0 && row.appliedRecipe == null
          ? null
          : recipeMark(resolveRecipe(records, row.function, row), row.appliedRecipe);
    },
  };
}
