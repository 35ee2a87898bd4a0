import semver from "semver";
import * as z from "zod";
import { functionNameSchema } from "../ids.js";
import { MAX_RANGE_LENGTH, MAX_SERVICES_PER_WORKSTATION, MAX_VERSION_LENGTH } from "../limits.js";
import { whenString } from "../validation.js";

/** Version of the document shapes in this package; bumped on any breaking change. */
export const SCHEMA_VERSION = 1;

/**
 * The semver 2.0.0 grammar (semver.org, "Is there a suggested regular
 * expression"): kept as a pattern, not a refinement, so it also lands in the
 * generated JSON Schema for POS vendors' validators.
 */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const semverSchema = z
  .string()
  .max(MAX_VERSION_LENGTH)
  .regex(SEMVER_PATTERN, {
    error: whenString((input) => `${JSON.stringify(input)} is not a semver version`),
  })
  .meta({ description: "A semantic version (semver.org 2.0.0)", examples: ["1.1.0"] });

/** A semver range as node-semver reads it (`>=1.0.0 <1.1.0`, `^1.2.0`). */
export const semverRangeSchema = z
  .string()
  .min(1)
  .max(MAX_RANGE_LENGTH)
  .refine((value) => semver.validRange(value) !== null, {
    error: whenString((input) => `${JSON.stringify(input)} is not a valid semver range`),
  })
  .meta({ description: "A semver range (node-semver syntax)", examples: [">=1.0.0 <1.1.0"] });

/** Timestamps are ISO 8601 in UTC with a `Z`, as `Date.prototype.toISOString` writes them. */
export const timestampSchema = z.iso
  .datetime({
    error: whenString(
      (input) =>
        `${JSON.stringify(input)} is not an ISO 8601 UTC timestamp (like 2026-11-21T09:30:00.000Z)`,
    ),
  })
  .meta({ description: "ISO 8601 timestamp in UTC", examples: ["2026-11-21T09:30:00.000Z"] });

/** `seq` is monotonic per sender; receivers drop anything not above the last they applied. */
export const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).meta({
  description: "Monotonic per sender; a receiver ignores a seq not above the last it saw",
});

/** Fields every document carries. */
export const documentHeader = {
  // `type: integer` so JSON Schema says what the code does: `1` (and `1.0`,
  // the same JSON number) passes, `1.5` or `"1"` does not.
  schema: z
    .literal(SCHEMA_VERSION)
    .meta({ type: "integer", description: "Document schema version" }),
  seq: seqSchema,
  ts: timestampSchema.meta({ description: "When the sender made this document (sender's clock)" }),
};

/** Per-service entries keyed by function name, at most MAX_SERVICES_PER_WORKSTATION of them. */
export function servicesRecord<T extends z.ZodType>(service: T) {
  return z
    .record(functionNameSchema, service)
    .refine((services) => Object.keys(services).length <= MAX_SERVICES_PER_WORKSTATION, {
      error: `has more than ${MAX_SERVICES_PER_WORKSTATION} services`,
    })
    .meta({ maxProperties: MAX_SERVICES_PER_WORKSTATION });
}
