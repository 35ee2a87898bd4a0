import { err, type Result, validate } from "@tillroll/protocol";
import type { z } from "zod";
import { described } from "../fleet/filter-schema.js";

/** Most problems one answer lists; a body with 25,000 bad items gets the first ones and a count. */
export const MAX_ERROR_LINES = 20;

function limited(result: Result<unknown>): Result<never> | undefined {
  if (result.ok) return undefined;
  const lines = result.error.split("\n");
  if (lines.length <= MAX_ERROR_LINES) return err(result.error);
  const more = lines.length - MAX_ERROR_LINES;
  return err([...lines.slice(0, MAX_ERROR_LINES), `... and ${more} more`].join("\n"));
}

/**
 * Query parameters as a record for a route's query schema: a parameter
 * given once is a string, given again a list of strings (for list filters;
 * the schema refuses a repeat elsewhere). Blank values count as not given,
 * like an empty form field. The record has no prototype, so `__proto__` is
 * a key like any other, which the strict schema then refuses.
 */
export function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of params) {
    if (value.trim() === "") continue;
    const earlier = out[name];
    out[name] =
      earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
  }
  return out;
}

/** Parses a query with its route's schema; errors name the parameter. */
export function parseQuery<S extends z.ZodType>(
  schema: S,
  params: URLSearchParams,
): Result<z.output<S>> {
  const parsed = validate(schema, queryRecord(params));
  return limited(parsed) ?? parsed;
}

/**
 * Parses a JSON body with its route's schema. A body that is not a JSON
 * object (null, a list, a string) is refused as a whole; otherwise errors
 * name the field (`filters.store: expected an array of store ids ...`).
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): Result<z.output<S>> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return err(`request body: expected a JSON object, got ${described(body)}`);
  }
  const parsed = validate(schema, body);
  return limited(parsed) ?? parsed;
}
