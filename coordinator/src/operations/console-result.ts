import type { ReleaseRefusalCode, ReleaseResult } from "../releases/release-console.js";

/**
 * The answers the console's operations give (recipes, schedules): a value,
 * or a refusal whose code the HTTP layer maps to its status (as the release
 * console's, release-console.ts).
 */

export type Refusal = {
  ok: false;
  code: ReleaseRefusalCode;
  error: string;
};

export const refused = (code: ReleaseRefusalCode, error: string): Refusal => ({
  ok: false,
  code,
  error,
});

export const done = <T>(value: T): ReleaseResult<T> => ({ ok: true, value });
