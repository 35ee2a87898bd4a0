import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, realpath, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import {
  type AppliedRecipe,
  type DesiredRecipe,
  type FunctionPackDescriptor,
  recipeHash,
} from "@tillroll/protocol";

/**
 * Where a release folder keeps the recipe it was built with (version, hash,
 * env, which keys are secret). The service, hooks and health check get its
 * env from here, so whatever starts a release later (a boot, a restart after
 * a crash, a rollback) starts it with the configuration it was built with.
 * Mode 600: it holds env values, secret ones among them.
 */
export const RECIPE_STATE_FILE = ".tillroll-recipe.json";

/** A recipe as a release folder keeps it. */
export interface AppliedRecipeFile {
  version: number;
  sha256: string;
  env: Record<string, string>;
  secrets: string[];
}

/**
 * Why a recipe cannot be applied to this pack, or null. Pure. A recipe may
 * set only what the descriptor declares (`recipe.env`, `recipe.files`): a
 * key the pack does not read is an operator mistake the till must not guess
 * at, so the whole update is refused naming every such key.
 */
export function recipeProblem(
  descriptor: Pick<FunctionPackDescriptor, "name" | "version" | "recipe">,
  recipe: DesiredRecipe,
  /** The hash of the recipe's content; the caller computes it (recipeHash). */
  contentHash: string,
): string | null {
  if (contentHash !== recipe.sha256)
    return `recipe v${recipe.version}: its content does not match its sha256 ${recipe.sha256}`;
  const declaredEnv = new Set(descriptor.recipe?.env ?? []);
  const declaredFiles = new Set(descriptor.recipe?.files ?? []);
  const undeclared = [
    ...Object.keys(recipe.env).filter((name) => !declaredEnv.has(name)),
    ...Object.keys(recipe.files).filter((path) => !declaredFiles.has(path)),
  ];
  if (undeclared.length > 0)
    return `recipe sets ${undeclared.join(", ")}, which ${descriptor.name} ${descriptor.version} does not declare`;
  if (RECIPE_STATE_FILE in recipe.files)
    return `recipe file ${RECIPE_STATE_FILE} is reserved for the agent`;
  const unknownSecrets = recipe.secrets.filter(
    (name) => !(name in recipe.env) && !(name in recipe.files),
  );
  if (unknownSecrets.length > 0)
    return `recipe v${recipe.version}: secrets names ${unknownSecrets.join(", ")}, which it does not set`;
  return null;
}

/** What the status reports of a recipe (version and hash; never its values). */
export function appliedRecipeOf(recipe: DesiredRecipe | null): AppliedRecipe | null {
  return recipe === null ? null : { version: recipe.version, sha256: recipe.sha256 };
}

export type ApplyResult = { ok: true } | { ok: false; reason: string };

/**
 * Writes a recipe into a release folder that is not running yet (the
 * staging folder at unpack): each file it sets (mode 600 for a secret file,
 * 644 otherwise) and RECIPE_STATE_FILE. A null recipe leaves the pack's own
 * files as they are and records nothing. Files are written to a temporary
 * name and renamed over the target, so a symlink the pack put at that path
 * is replaced, never followed; a parent folder that resolves outside the
 * release folder is refused.
 */
export async function applyRecipe(
  releaseDir: string,
  descriptor: FunctionPackDescriptor,
  recipe: DesiredRecipe | null,
): Promise<ApplyResult> {
  if (recipe === null) return { ok: true };
  const problem = recipeProblem(descriptor, recipe, recipeHash(recipe));
  if (problem !== null) return { ok: false, reason: problem };
  const root = await realpath(releaseDir);
  const secrets = new Set(recipe.secrets);
  for (const [path, content] of Object.entries(recipe.files).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    const parent = await realpath(dirname(target));
    if (parent !== root && !parent.startsWith(`${root}${sep}`))
      return { ok: false, reason: `recipe file ${path} would be written outside the release` };
    await writeAtomically(target, content, secrets.has(path) ? 0o600 : 0o644);
  }
  const kept: AppliedRecipeFile = {
    version: recipe.version,
    sha256: recipe.sha256,
    env: recipe.env,
    secrets: [...recipe.secrets],
  };
  await writeAtomically(join(root, RECIPE_STATE_FILE), `${JSON.stringify(kept)}\n`, 0o600);
  return { ok: true };
}

async function writeAtomically(target: string, content: string, mode: number): Promise<void> {
  const temp = `${target}.tillroll-${randomBytes(6).toString("hex")}`;
  try {
    // Created with the final mode (wx: never an existing file): no moment
    // where a secret sits in a file others may read.
    await writeFile(temp, content, { mode, flag: "wx" });
    await chmod(temp, mode); // the umask may have taken bits off
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * The recipe a release folder was built with, or null when it has none.
 * A file that cannot be read or parsed is an error: starting the service
 * without its configuration would be worse than not starting it.
 */
export async function readAppliedRecipe(releaseDir: string): Promise<AppliedRecipeFile | null> {
  let text: string;
  try {
    text = await readFile(join(releaseDir, RECIPE_STATE_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<AppliedRecipeFile>;
  if (
    typeof parsed.version !== "number" ||
    typeof parsed.sha256 !== "string" ||
    typeof parsed.env !== "object" ||
    parsed.env === null ||
    !Array.isArray(parsed.secrets)
  )
    throw new Error(`${RECIPE_STATE_FILE} in ${releaseDir} is not a recipe the agent wrote`);
  return parsed as AppliedRecipeFile;
}

/** The env a release's recipe gives its service, hooks and health check ({} without a recipe). */
export async function recipeEnvOf(releaseDir: string): Promise<Record<string, string>> {
  return (await readAppliedRecipe(releaseDir))?.env ?? {};
}
