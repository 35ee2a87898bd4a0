import {
  groupSchema,
  isTimeZone,
  maintenanceWindowSchema,
  storeIdSchema,
  whenString,
} from "@tillroll/protocol/pure";
import { z } from "zod";
import { parseEmail } from "../accounts/identity.js";
import { strictObject, utcInstantSchema } from "../fleet/filter-schema.js";
import { MAX_REASON_LENGTH } from "../schedules/blackout-problem.js";

/**
 * The requests of the schedule routes (issue 11), strict like the others:
 * a mistyped key is refused, never dropped. Windows travel in the shape of
 * protocol's maintenanceWindowSchema (`durationMinutes`; the CLI turns
 * `--duration 3h` into it).
 */

/** Exactly one of group and store names what a window is set on. */
const oneSubject = (value: { group?: string | undefined; store?: string | undefined }) =>
  (value.group === undefined) !== (value.store === undefined);
const SUBJECT_ERROR = {
  error: "give group or store (one of them): what the window is set on",
  path: ["group"],
};

/** `POST /api/windows`: `{group | store, window}`. */
export const windowSetBody = strictObject(
  {
    group: groupSchema.optional(),
    store: storeIdSchema.optional(),
    window: maintenanceWindowSchema,
  },
  "group, store, window",
).refine(oneSubject, SUBJECT_ERROR);

/** `POST /api/windows/remove`: `{group | store}`. */
export const windowRefBody = strictObject(
  { group: groupSchema.optional(), store: storeIdSchema.optional() },
  "group, store",
).refine(oneSubject, SUBJECT_ERROR);

const zoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, {
    error: whenString(
      (input) => `${JSON.stringify(input)} is not an IANA time zone (like Europe/Berlin)`,
    ),
  })
  .meta({ description: "IANA time zone; null unsets it", examples: ["Europe/Berlin"] });

const contactSchema = z
  .string()
  .refine((text) => parseEmail(text).ok && text !== "", {
    error: whenString((input) =>
      parseEmail(input).ok
        ? "is empty: send null to unset it"
        : (parseEmail(input) as { error: string }).error,
    ),
  })
  .meta({
    description: "E-mail address of the store's contact; null unsets it",
    examples: ["store1001@example.com"],
  });

/** `POST /api/stores`: a field left out keeps its value, null unsets it. */
export const storeSetBody = strictObject(
  {
    store: storeIdSchema,
    tz: zoneSchema.nullable().optional(),
    contact: contactSchema.nullable().optional(),
  },
  "store, tz, contact",
);

/** An instant with Z or an offset, normalised to UTC (`2026-12-24T00:00:00.000Z`). */
const instantSchema = utcInstantSchema("2026-12-24T00:00:00Z")
  // What the JSON Schema (OpenAPI) shows: the check above is code it cannot see.
  .meta({
    type: "string",
    description: "ISO 8601 with Z or an offset",
    examples: ["2026-12-24T00:00:00Z"],
  }) as unknown as z.ZodType<string, string>;

/** `POST /api/blackouts`: the period, why, and the group (none: platform maintenance). */
export const blackoutAddBody = strictObject(
  {
    from: instantSchema,
    to: instantSchema,
    reason: z
      .string()
      .max(MAX_REASON_LENGTH, { error: `is longer than ${MAX_REASON_LENGTH} characters` })
      .refine((text) => text.trim() !== "", { error: "is blank: say why (--reason TEXT)" }),
    group: groupSchema.nullable().optional(),
  },
  "from, to, reason, group",
);

/** A blackout's id: "1", "2", … (as `blackout list` shows it). */
export const blackoutIdSchema = z.string().regex(/^[1-9][0-9]{0,9}$/, {
  error: whenString(
    (input) =>
      `${JSON.stringify(input.slice(0, 60))} is not a blackout id (a number like 2; tillroll blackout list shows them)`,
  ),
});

/** `POST /api/blackouts/remove`. */
export const blackoutRefBody = strictObject({ id: blackoutIdSchema }, "id");

/** `GET /api/blackouts?all=true`: ended ones too. */
export const blackoutsQuery = strictObject(
  { all: z.enum(["true", "false"], { error: 'expected "true" or "false"' }).optional() },
  "all",
  "query parameter",
);
