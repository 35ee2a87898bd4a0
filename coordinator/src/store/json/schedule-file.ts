import {
  err,
  groupSchema,
  maintenanceWindowSchema,
  ok,
  type Result,
  storeIdSchema,
} from "@tillroll/protocol";
import { z } from "zod";
import type { ScheduleState } from "../../schedules/schedule-state.js";
import { parseJsonFile } from "./data-files.js";

/**
 * `DATA/schedules.json`: `{schemaVersion, windows, stores, blackouts,
 * nextBlackoutId}`. The schema checks the shape when the file is read back
 * (each change was validated when it was made).
 */
export const SCHEDULE_FILE_VERSION = 1;

const text = z.string();
const iso = z.string().refine((value) => !Number.isNaN(Date.parse(value)), "is not a timestamp");

const subjectSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("group"), group: groupSchema }),
  z.strictObject({ kind: z.literal("store"), store: storeIdSchema }),
]);

const fileSchema = z.strictObject({
  schemaVersion: z.literal(SCHEDULE_FILE_VERSION),
  windows: z.array(
    z.strictObject({
      subject: subjectSchema,
      window: maintenanceWindowSchema,
      setBy: text,
      setAt: iso,
    }),
  ),
  stores: z.array(
    z.strictObject({
      store: storeIdSchema,
      tz: text.nullable(),
      contact: text.nullable(),
      setBy: text,
      setAt: iso,
    }),
  ),
  blackouts: z.array(
    z.strictObject({
      id: z.string().regex(/^[1-9][0-9]*$/),
      from: iso,
      to: iso,
      reason: text,
      group: groupSchema.nullable(),
      createdBy: text,
      createdAt: iso,
    }),
  ),
  nextBlackoutId: z.number().int().min(1),
  // Issue 11's outbox marker (ScheduleState.noticesPending); a file without it owes nothing.
  noticesPending: z
    .array(
      z.strictObject({
        key: text,
        notice: z.strictObject({
          event: z.enum(["blackout.announced", "blackout.removed"]),
          blackout: z.strictObject({
            id: text,
            from: text,
            to: text,
            reason: text,
            group: text.nullable(),
          }),
          by: text,
        }),
      }),
    )
    .optional(),
});

export function encodeScheduleFile(state: ScheduleState): string {
  return `${JSON.stringify({ schemaVersion: SCHEDULE_FILE_VERSION, ...state }, null, 2)}\n`;
}

/** The schedules in the file's text, or why they cannot be used. */
export function decodeScheduleFile(content: string): Result<ScheduleState> {
  const parsed = parseJsonFile(fileSchema, content);
  if (!parsed.ok) return parsed;
  const { schemaVersion: _, ...state } = parsed.value;
  const highest = Math.max(0, ...state.blackouts.map((b) => Number(b.id)));
  if (state.nextBlackoutId <= highest)
    return err(`nextBlackoutId ${state.nextBlackoutId} is not above blackout ${highest}`);
  return ok(state as ScheduleState);
}
