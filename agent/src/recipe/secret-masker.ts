/** What a secret value is replaced with in a log line. */
export const SECRET_MASK = "(secret)";

/**
 * Values shorter than this are not masked: replacing "1" or "on" in every
 * log line would make the log unreadable and protects nothing (a secret that
 * short is guessed anyway). Documented in the README (Recipes and rebuild).
 */
export const MIN_SECRET_LENGTH = 4;

/** At most this many values are remembered; the oldest are forgotten first. */
const MAX_REMEMBERED = 1024;

/** The parts of a recipe the masker needs. */
export interface RecipeSecrets {
  env: Record<string, string>;
  files?: Record<string, string>;
  secrets: readonly string[];
}

/**
 * The strings of a recipe that must never appear in a log: each secret env
 * value, and each secret file's whole content and each of its lines (a
 * service that prints a config line prints one line, not the file). Pure.
 */
export function secretValuesOf(recipe: RecipeSecrets): string[] {
  const values: string[] = [];
  for (const name of recipe.secrets) {
    const env = recipe.env[name];
    if (env !== undefined) values.push(env, env.trim());
    const file = recipe.files?.[name];
    if (file !== undefined) {
      values.push(file, file.trim());
      for (const line of file.split(/\r?\n/)) values.push(line, line.trim());
    }
  }
  return [...new Set(values.filter((value) => value.length >= MIN_SECRET_LENGTH))];
}

/** Replaces every occurrence of each value (longest first, so a value inside another goes with it). */
export function maskValues(text: string, values: readonly string[]): string {
  let masked = text;
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    if (masked.includes(value)) masked = masked.split(value).join(SECRET_MASK);
  }
  return masked;
}

/**
 * Keeps the secret values of every recipe the agent has seen (desired
 * documents, jobs, installed releases) and masks them in log lines, install
 * log lines and anything else the agent writes or publishes. It only ever
 * learns: a secret that was replaced may still be printed by the instance
 * that runs with it, so it stays masked for the agent's lifetime.
 */
export class SecretMasker {
  readonly #values = new Set<string>();
  #sorted: string[] = [];

  remember(recipe: RecipeSecrets | null | undefined): void {
    if (recipe == null) return;
    let changed = false;
    for (const value of secretValuesOf(recipe)) {
      if (this.#values.has(value)) continue;
      this.#values.add(value);
      changed = true;
      if (this.#values.size > MAX_REMEMBERED) {
        const oldest = this.#values.values().next().value;
        if (oldest !== undefined) this.#values.delete(oldest);
      }
    }
    if (changed) this.#sorted = [...this.#values].sort((a, b) => b.length - a.length);
  }

  /** Remembers the recipes of a desired document's services. */
  rememberDesired(
    desired: { services: Record<string, { recipe?: RecipeSecrets | null }> } | null,
  ): void {
    for (const service of Object.values(desired?.services ?? {})) this.remember(service.recipe);
  }

  mask(text: string): string {
    return this.#sorted.length === 0 ? text : maskValues(text, this.#sorted);
  }
}
