import { err, ok, type Result } from "@tillroll/protocol/pure";
import type { Role } from "./roles.js";

/**
 * Who is calling, as every decision in accounts/ sees it: the name the audit
 * records, the role the route table checks and the business unit group the
 * caller is limited to (null: the whole fleet).
 */
export interface Operator {
  readonly name: string;
  readonly role: Role;
  readonly scope: string | null;
}

/**
 * Lowercase so that `Anna` and `anna` cannot be two people in the audit;
 * starting with a letter so a name never reads as a CLI option or a number.
 */
export const OPERATOR_NAME_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;
const MAX_OPERATOR_NAME_LENGTH = 64;

export function parseOperatorName(input: unknown): Result<string> {
  if (input === undefined || input === null || input === "")
    return err("operator name is required");
  if (typeof input !== "string") return err(`operator name must be text, got a ${typeof input}`);
  if (input.length > MAX_OPERATOR_NAME_LENGTH)
    return err(
      `operator name is longer than ${MAX_OPERATOR_NAME_LENGTH} characters (got ${input.length})`,
    );
  if (OPERATOR_NAME_PATTERN.test(input)) return ok(input);
  return err(
    `${JSON.stringify(input)} is not a valid operator name (lowercase letters, digits, ".", "-", "_"; starting with a letter; 1-64 characters)`,
  );
}

/** Deliberately loose (one `@`, a dot in the domain): the address is for people, not for routing. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_EMAIL_LENGTH = 254;

/** An optional contact address; empty or missing is null. */
export function parseEmail(input: unknown): Result<string | null> {
  if (input === undefined || input === null || input === "") return ok(null);
  if (typeof input !== "string") return err(`email must be text, got a ${typeof input}`);
  if (input.length > MAX_EMAIL_LENGTH)
    return err(`email is longer than ${MAX_EMAIL_LENGTH} characters`);
  if (!EMAIL_PATTERN.test(input)) return err(`${JSON.stringify(input)} is not an email address`);
  return ok(input);
}
