import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MAX_RECIPE_BYTES } from "@tillroll/protocol";
import { FunctionLayout } from "../release/release-layout.js";
import { type AgentState, activeReleaseOf } from "../state/agent-state.js";
import { readAppliedRecipe } from "./apply-recipe.js";
import type { SecretMasker } from "./secret-masker.js";

/**
 * Teaches a fresh masker (agent start) every secret it may meet: the saved
 * desired document's recipes, those of jobs in the journal, and the recipe
 * each active release was built with (its service runs with those values
 * and may print them). Secret files' contents are in the release folder's
 * files, read here only for the files the recipe marks secret.
 */
export async function rememberKnownSecrets(
  masker: SecretMasker,
  state: AgentState,
  root: string,
): Promise<void> {
  masker.rememberDesired(state.desired);
  for (const [fn, record] of Object.entries(state.services)) {
    masker.remember(record.job?.recipe);
    const active = activeReleaseOf(record);
    if (active === null) continue;
    const dir = new FunctionLayout(root, fn).releaseDir(active);
    const applied = await readAppliedRecipe(dir).catch(() => null);
    if (applied === null) continue;
    const files: Record<string, string> = {};
    for (const name of applied.secrets) {
      if (name in applied.env) continue;
      const content = await readFile(join(dir, name), "utf8").catch(() => null);
      if (content !== null && content.length <= MAX_RECIPE_BYTES) files[name] = content;
    }
    masker.remember({ ...applied, files });
  }
}
