import { err, ok, type Result, validate, whenString } from "@tillroll/protocol/pure";
import { z } from "zod";
import { strictObject } from "../fleet/filter-schema.js";
import { NOTICE_EVENTS, type NoticeEvent } from "./notice-model.js";

/**
 * `webhook add URL --secret S [--events E,...]` as the API receives it:
 * `{url, secret, events?}` (strict: a mistyped key is refused). Only
 * http(s) URLs; the secret 8-256 characters; events among NOTICE_EVENTS
 * (a wrong one is refused naming the valid ones); no events: every event.
 */

const MAX_URL_LENGTH = 2000;

export const webhookUrlSchema = z
  .string({ error: "expected the receiver's URL (text)" })
  .max(MAX_URL_LENGTH, { error: `is longer than ${MAX_URL_LENGTH} characters` })
  .refine(
    (text) => {
      try {
        const url = new URL(text);
        return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
      } catch {
        return false;
      }
    },
    {
      error: whenString(
        (input) => `${JSON.stringify(input.slice(0, 80))} is not an http:// or https:// URL`,
      ),
    },
  );

export const webhookSecretSchema = z
  .string({ error: "expected the signing secret (text)" })
  .min(8, { error: "is shorter than 8 characters: use a long random secret" })
  .max(256, { error: "is longer than 256 characters" });

const eventSchema = z
  .string()
  .refine((text) => (NOTICE_EVENTS as readonly string[]).includes(text), {
    error: whenString(
      (input) =>
        `${JSON.stringify(input.slice(0, 60))} is not an event; the events are ${NOTICE_EVENTS.join(", ")}`,
    ),
  });

export const webhookAddBody = strictObject(
  {
    url: webhookUrlSchema,
    secret: webhookSecretSchema,
    events: z
      .array(eventSchema)
      .min(1, { error: "lists no event (leave it out for every event)" })
      .optional(),
  },
  "url, secret, events",
);

export const webhookIdSchema = z
  .string({ error: 'expected a webhook id (text, like "2")' })
  .regex(/^[1-9][0-9]{0,9}$/, {
    error: whenString(
      (input) =>
        `${JSON.stringify(input.slice(0, 60))} is not a webhook id (a number like 2; tillroll webhook list shows them)`,
    ),
  });

export const webhookRefBody = strictObject({ id: webhookIdSchema }, "id");

export type WebhookInput = z.input<typeof webhookAddBody>;

/** The checked webhook: URL, secret, and its events (null: every event), without repeats. */
export function parseWebhookInput(
  input: unknown,
): Result<{ url: string; secret: string; events: NoticeEvent[] | null }> {
  const parsed = validate(webhookAddBody, input);
  if (!parsed.ok) return err(parsed.error);
  const { url, secret, events } = parsed.value;
  return ok({
    url,
    secret,
    events: events === undefined ? null : [...new Set(events as NoticeEvent[])],
  });
}
