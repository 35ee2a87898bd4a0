import type { z } from "zod";
import { err, ok, type Result } from "./result.js";

/**
 * Turns zod issues into messages a person can act on:
 * `services.pos-client.preferredVersion: "1.x" is not a semver version`.
 * Domain-specific messages (semver, ids, ranges) are set on the schemas
 * themselves; this map words the generic ones and always names the value.
 */
function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

type Issue = z.core.$ZodRawIssue;

function describeIssue(issue: Issue): string | undefined {
  switch (issue.code) {
    case "invalid_key":
      return `key ${issue.issues.map((inner) => inner.message).join("; ")}`;
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `expected ${issue.expected}, got ${typeName(issue.input)} ${show(issue.input)}`;
    case "invalid_value":
      if (issue.input === undefined) return "is required";
      return `${show(issue.input)} is not one of ${issue.values.map((v) => show(v)).join(", ")}`;
    case "too_big":
      if (issue.origin === "string")
        return `is longer than ${issue.maximum} characters (got ${[...String(issue.input)].length})`;
      if (issue.origin === "array") return `has more than ${issue.maximum} items`;
      if (issue.origin === "object" || issue.origin === "record")
        return `has more than ${issue.maximum} entries`;
      return `${show(issue.input)} is above the maximum ${issue.maximum}`;
    case "too_small":
      if (issue.origin === "string")
        return issue.minimum === 1 ? "is empty" : `is shorter than ${issue.minimum} characters`;
      if (issue.origin === "array") return `has fewer than ${issue.minimum} items`;
      return `${show(issue.input)} is below the minimum ${issue.minimum}`;
    case "invalid_format":
      return `${show(issue.input)} is not a valid ${issue.format}`;
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => show(k)).join(", ")}`;
    case "invalid_union":
      return `${show(issue.input)} matches none of the allowed shapes`;
    case "not_multiple_of":
      return `${show(issue.input)} is not a multiple of ${issue.divisor}`;
    default:
      return undefined;
  }
}

const errorMap: z.core.$ZodErrorMap = (issue) => describeIssue(issue);

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((segment) => String(segment)).join(".");
}

/** Formats one issue as `path: message` (just the message at the root). */
export function formatIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  return path === "" ? issue.message : `${path}: ${issue.message}`;
}

/** All issues, one per line, in document order. */
export function formatError(error: z.core.$ZodError): string {
  return error.issues.map((issue) => formatIssue(issue)).join("\n");
}

/**
 * Validates `data` against `schema`. On failure the error names every field
 * that was wrong and why, one per line; callers prefix the document's name
 * ("status document: services.pos-client.status: ...").
 */
export function validate<S extends z.ZodType>(schema: S, data: unknown): Result<z.output<S>> {
  const parsed = schema.safeParse(data, { error: errorMap, reportInput: true });
  if (parsed.success) return ok(parsed.data);
  return err(formatError(parsed.error));
}

/** Parses JSON text, naming the document and the JSON error on failure. */
export function parseJson(text: string, what: string): Result<unknown> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (error) {
    return err(`${what}: invalid JSON (${(error as Error).message})`);
  }
}

/**
 * Wraps a schema-level message for string checks (patterns, formats) so it
 * only words problems with a string; a missing field or a number falls
 * through to the generic "is required" / "expected string, got number".
 */
export function whenString(describe: (input: string) => string) {
  return (issue: { input?: unknown }): string | undefined =>
    typeof issue.input === "string" ? describe(issue.input) : undefined;
}
