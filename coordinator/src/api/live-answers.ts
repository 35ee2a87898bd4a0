import { requestIdSchema, timestampSchema } from "@tillroll/protocol/pure";
import { z } from "zod";
import { pageRowAnswer, statusCountsAnswer } from "./console-answers.js";

/**
 * The answers of the live routes (issue 12, CONSOLE-API.md §4–§5): the
 * events of `GET /api/events` and the kept install log of one row. Rows and
 * counts are those of the status page (console-answers.ts): one shape.
 */

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
      source: z.enum(["agent", "beforeInstall", "afterInstall", "service", "health"]),
      stream: z.enum(["stdout", "stderr"]).nullable(),
      text: z.string(),
    }),
  ),
  next: z
    .number()
    .int()
    .min(0)
    .meta({ description: "the cursor to pass as `after` for the lines kept since (follow)" }),
});

export const LIVE_ANSWERS = {
  LiveEvent: liveEventAnswer,
  InstallLog: installLogAnswer,
} as const;
