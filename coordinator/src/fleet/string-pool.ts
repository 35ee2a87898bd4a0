/**
 * Most distinct strings a pool keeps. Past it the pool starts again: pooling
 * only saves memory, it never changes a value, so forgetting is safe, and
 * values that stop repeating (the update times of a long-running fleet) do
 * not pile up.
 */
const MAX_STRINGS = 50_000;

/**
 * One copy of each repeated value of the rows: 100,000 rows parsed from the
 * fleet file or from status reports hold 100,000 copies of the same
 * function names, versions, groups and timestamps (up to 60 bytes each).
 * Pass `intern` to freezeRow.
 */
export class StringPool {
  #strings = new Map<string, string>();

  /** The pooled copy of `text` (itself the first time it is seen); null stays null. */
  readonly intern = <T extends string | null>(text: T): T => {
    if (text === null) return text;
    const pooled = this.#strings.get(text);
    if (pooled !== undefined) return pooled as T;
    if (this.#strings.size >= MAX_STRINGS) this.#strings = new Map();
    this.#strings.set(text, text);
    return text;
  };
}
