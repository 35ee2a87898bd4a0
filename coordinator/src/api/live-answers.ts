import { requestIdSchema, STATUSES, type Status, timestampSchema } from "@tillroll/protocol/pure";
import { z } from "zod";
import { statusRowAnswer } from "./answers.js";

/**
 * The answers of the live routes (issue 12, CONSOLE-API.md §4–§5): the
 * events of `GET /api/events` and the kept install log of one row.
 */

const count = z.number().int().min(0);

/** A status-mask row: the status row and what the console needs to act on it (CONSOLE-API.md §1). */
export const pageRowAnswer = statusRowAnswer.safeExtend({
  allowedVersions: z.array(z.string()).meta({
    description: "The versions this row may be set to, newest first (the console adds -)",
  }),
  selectable: z.boolean().meta({ description: "false while In Progress" }),
  storeZone: z.string().nullable().meta({ description: "The store's IANA zone, else null" }),
});

/** Rows per status of the whole view (the caller's scope applied); every status, 0 when none. */
export const statusCountsAnswer = z.strictObject(
  Object.fromEntries(STATUSES.map((status) => [status, count])) as Record<Status, typeof count>,
);

/**
 * One server-sent event of `GET /api/events`, as `{event, data}` (`event:`
 * and the JSON of `data:` on the wire).
 */
export const liveEventAnswer = z
  .discriminatedUnion("event", [
    z.strictObject({ event: z.literal("hello"), data: z.strictObject({}) }),
    z.strictObject({
      event: z.literal("rows"),
      data: z.strictObject({ rows: z.array(pageRowAnswer) }),
    }),
    z.strictObject({
      event: z.literal("gone"),
      data: z.strictObject({ keys: z.array(z.string()) }),
    }),
    z.strictObject({ event: z.literal("counts"), data: statusCountsAnswer }),
    z.strictObject({ event: z.literal("resync"), data: z.strictObject({}) }),
    z.strictObject({ event: z.literal("ended"), data: z.strictObject({ reason: z.string() }) }),
  ])
  .meta({
    description:
      "One event of the stream: hello at open; rows (changed rows in the view), gone (keys that left it), counts (after each batch); resync (re-fetch); ended (session over)",
  });

export const installLogAnswer = z.strictObject({
  store: z.string(),
  workstation: z.string(),
  function: z.string(),
  lines: z.array(
    z.strictObject({
      at: timestampSchema,
      requestId: requestIdSchema.nullable(),
      level: z.enum(["info", "warn", "error"]),
      text: z.string(),
    }),
  ),
});

export const LIVE_ANSWERS = {
  LiveEvent: liveEventAnswer,
  InstallLog: installLogAnswer,
} as const;
