import { groupSchema } from "@tillroll/protocol/pure";
import { z } from "zod";
import { OPERATOR_NAME_PATTERN } from "../accounts/identity.js";
import { MAX_PASSWORD_LENGTH } from "../accounts/password-limits.js";
import { listRoles, ROLES } from "../accounts/roles.js";
import { strictObject, utcInstantSchema } from "../fleet/filter-schema.js";

/**
 * The requests of the operator and session routes (issue 9), as strict zod
 * schemas like those of requests.ts: a mistyped key is refused, never dropped.
 */

const NAME_RULE =
  "is not a valid operator name (lowercase letters, digits, '.', '-', '_'; starting with a letter; 1-64 characters)";

export const operatorNameSchema = z
  .string({ error: "expected an operator name (text)" })
  .max(64, { error: "is longer than 64 characters" })
  .regex(OPERATOR_NAME_PATTERN, { error: NAME_RULE });

const roleSchema = z.enum(ROLES, { error: `is not a role: use ${listRoles()}` });

const operatorAddShape = {
  name: operatorNameSchema,
  role: roleSchema,
  /** A business unit group (`DE/North`); missing or null: the whole fleet. */
  scope: groupSchema.nullable().optional(),
  email: z
    .string({ error: "expected an email address (text)" })
    .max(254, { error: "is longer than 254 characters" })
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { error: "is not an email address" })
    .nullable()
    .optional(),
};

/** `POST /api/operators`: a new operator; the answer holds its token and password, once. */
export const operatorAddBody = strictObject(operatorAddShape, "name, role, scope, email");

/** `POST /api/operators/remove` and `/reset`: one operator by name. */
export const operatorRefBody = strictObject({ name: operatorNameSchema }, "name");

const loginShape = {
  name: z
    .string({ error: "expected an operator name (text)" })
    .min(1, { error: "is required" })
    .max(128, { error: "is longer than 128 characters" }),
  password: z
    .string({ error: "expected the password (text)" })
    .min(1, { error: "is required" })
    .max(MAX_PASSWORD_LENGTH, { error: `is longer than ${MAX_PASSWORD_LENGTH} characters` }),
  /**
   * true: answer a bearer session token (for `tillroll login`) instead of
   * setting a cookie. It lives in the same session store, with the same idle
   * timeout, and ends on logout, `operator reset` or `operator remove`.
   */
  token: z.boolean({ error: "expected true or false" }).optional(),
};

/** `POST /api/session`: log in with name and password. */
export const loginBody = strictObject(loginShape, "name, password, token");

const auditShape = {
  operator: operatorNameSchema.optional(),
  /** Issue 12: entries at or after this instant. */
  from: utcInstantSchema("2026-11-30T00:00:00Z").optional(),
  /** Issue 12: entries at or before this instant. */
  to: utcInstantSchema("2026-11-30T23:59:59Z").optional(),
};

/**
 * `GET /api/audit?operator=anna&from=2026-11-30T00:00:00Z&to=...`: only the
 * entries that operator made, within the (inclusive) time range.
 */
export const auditQuery = strictObject(
  auditShape,
  "operator, from, to",
  "query parameter",
).superRefine((query, ctx) => {
  if (query.from !== undefined && query.to !== undefined && query.to < query.from) {
    ctx.addIssue({
      code: "custom",
      path: ["to"],
      message: `${query.to} is before from (${query.from}): no entry could match`,
    });
  }
});
