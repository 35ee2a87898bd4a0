import type { NoticeEvent } from "./notice-model.js";

/** A webhook as stored (`DATA/webhooks.json`, mode 600: it holds the secrets). */
export interface Webhook {
  /** "1", "2", …: never handed out twice. */
  readonly id: string;
  readonly url: string;
  /** The HMAC key of X-Tillroll-Signature; never shown again after `webhook add`. */
  readonly secret: string;
  /** The events it gets; null: every event. */
  readonly events: readonly NoticeEvent[] | null;
  readonly createdBy: string;
  readonly createdAt: string;
}

/** A webhook as `webhook list` shows it: the secret only as `set`. */
export interface WebhookSummary {
  readonly id: string;
  readonly url: string;
  readonly secret: "set";
  readonly events: readonly NoticeEvent[] | null;
  readonly createdBy: string;
  readonly createdAt: string;
}

export function summarizeWebhook(webhook: Webhook): WebhookSummary {
  const { id, url, events, createdBy, createdAt } = webhook;
  return {
    id,
    url,
    secret: "set",
    events: events === null ? null : [...events],
    createdBy,
    createdAt,
  };
}

/** Whether `webhook` subscribed to `event`. */
export function wantsEvent(webhook: Pick<Webhook, "events">, event: NoticeEvent): boolean {
  return webhook.events === null || webhook.events.includes(event);
}

/** The webhooks, durable: changes resolve once on disk; reads are of memory. */
export interface WebhookRegistry {
  list(): readonly Webhook[];
  get(id: string): Webhook | undefined;
  /** Allocates the next id, stores `make(id)`; resolves with it once durable. */
  add(make: (id: string) => Webhook): Promise<Webhook>;
  /** Removes it durably; undefined when there was none. */
  remove(id: string): Promise<Webhook | undefined>;
}
