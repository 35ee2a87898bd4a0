import type { z } from "zod";

/**
 * Checks objects of one strict shape field by field, each distinct value of
 * a field parsed once: 10,000 rows of a set-preferred (or 100,000 of a fleet
 * file) repeat the same versions, groups, times and names, and a full
 * schema parse per row was most of the cost of storing them. Accepts exactly
 * what a strict object of `shape` accepts (each own key known, each field
 * valid by its own schema); the object-wide rules are the caller's. On any
 * doubt it answers undefined, and the caller runs the full schema, whose
 * errors name what is wrong. One memo per batch: it grows with the batch's
 * distinct values only.
 */
export class ShapeMemo {
  readonly #fields: readonly (readonly [string, z.ZodType])[];
  readonly #known: ReadonlySet<string>;
  readonly #seen = new Map<string, Map<unknown, unknown>>();

  constructor(shape: Readonly<Record<string, z.ZodType>>) {
    this.#fields = Object.entries(shape);
    this.#known = new Set(Object.keys(shape));
  }

  /** The parsed object, or undefined when it is not plainly valid. */
  parse(data: unknown): Record<string, unknown> | undefined {
    if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
    if (Object.getPrototypeOf(data) !== Object.prototype) return undefined;
    const input = data as Record<string, unknown>;
    for (const key of Object.keys(input)) if (!this.#known.has(key)) return undefined;
    const out: Record<string, unknown> = {};
    for (const [field, schema] of this.#fields) {
      const value = input[field];
      const parsed = this.#field(field, schema, value);
      if (!parsed.ok) return undefined;
      if (parsed.value !== undefined) out[field] = parsed.value;
    }
    return out;
  }

  #field(field: string, schema: z.ZodType, value: unknown): { ok: boolean; value?: unknown } {
    // Only plain values are remembered; objects (a recipe) are parsed each time.
    const plain = value === null || (typeof value !== "object" && typeof value !== "function");
    let seen = this.#seen.get(field);
    if (plain && seen?.has(value)) return { ok: true, value: seen.get(value) };
    const result = schema.safeParse(value);
    if (!result.success) return { ok: false };
    if (plain) {
      if (seen === undefined) {
        seen = new Map();
        this.#seen.set(field, seen);
      }
      seen.set(value, result.data);
    }
    return { ok: true, value: result.data };
  }
}
