import {
  groupSchema,
  maintenanceWindowSchema,
  storeIdSchema,
  timestampSchema,
} from "@tillroll/protocol/pure";
import { z } from "zod";

/**
 * The answers of the schedule routes (issue 11): window settings, store
 * settings, blackouts and the platform notices. They describe the types of
 * schedules/schedule-model.ts and schedule-console.ts field for field.
 */

const subjectAnswer = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("group"), group: groupSchema }),
  z.strictObject({ kind: z.literal("store"), store: storeIdSchema }),
]);

/** The window as stored. */
const windowAnswer = maintenanceWindowSchema;

export const windowSettingAnswer = z.strictObject({
  subject: subjectAnswer,
  window: windowAnswer,
  setBy: z.string(),
  setAt: timestampSchema,
});

export const storeSettingAnswer = z.strictObject({
  store: storeIdSchema,
  tz: z.string().nullable(),
  contact: z.string().nullable(),
  setBy: z.string(),
  setAt: timestampSchema,
});

export const windowListAnswer = z.strictObject({
  windows: z.array(windowSettingAnswer).readonly(),
  stores: z.array(storeSettingAnswer).readonly(),
});

export const blackoutAnswer = z.strictObject({
  id: z.string(),
  from: timestampSchema,
  to: timestampSchema,
  reason: z.string(),
  group: groupSchema.nullable(),
  createdBy: z.string(),
  createdAt: timestampSchema,
  /** Whether it holds now. */
  active: z.boolean(),
  /** Whether it is over (listed with all=true). */
  ended: z.boolean(),
});

export const blackoutAddedAnswer = z.strictObject({
  blackout: blackoutAnswer,
  /** The Scheduled release tasks it cancelled. */
  cancelled: z
    .array(
      z.strictObject({ id: z.string(), name: z.string(), createdBy: z.string(), at: z.string() }),
    )
    .readonly(),
});

export const noticesAnswer = z.strictObject({
  notices: z.array(
    z.strictObject({
      kind: z.literal("platform-maintenance"),
      id: z.string(),
      from: timestampSchema,
      to: timestampSchema,
      reason: z.string(),
      active: z.boolean(),
    }),
  ),
});
