import type { NoticeInput } from "./notice-model.js";
import { mailRecipients, type RecipientFacts } from "./notice-recipients.js";
import { MAIL_RECEIVER, type NewNotice, type PlannedDelivery, webhookReceiver } from "./outbox.js";
import { type Webhook, wantsEvent } from "./webhook-registry.js";

/**
 * What a published notice becomes in the outbox (pure): its data (the
 * webhook body's `data`) and its planned deliveries, one per webhook that
 * subscribed to the event and, when mail is on and the event is mailed to
 * somebody, one for the mail channel with the addresses resolved now (so a
 * later change of the directory does not change whom an old notice reaches).
 */

export interface PlanContext {
  /** The delivery id (crypto.randomUUID). */
  readonly id: string;
  /** Now, ISO 8601 UTC. */
  readonly at: string;
  readonly webhooks: readonly Webhook[];
  /** Whether the coordinator has --smtp. */
  readonly mail: boolean;
  readonly recipients: RecipientFacts;
  /** The time zones of these stores (their windows' or their own), for local times in mails. */
  zonesOf(stores: readonly string[]): readonly string[];
}

/** The `data` of a notice: the input without its event name (task events also carry the stores' zones). */
export function noticeData(
  input: NoticeInput,
  zonesOf: PlanContext["zonesOf"],
): Record<string, unknown> {
  const { event: _event, ...rest } = input;
  if (input.event === "task.planned" || input.event === "task.cancelled")
    return { ...rest, zones: [...new Set(zonesOf(input.task.stores))].sort() };
  if ("release" in input) return { ...input.release };
  return { ...rest };
}

export function planNotice(key: string, input: NoticeInput, context: PlanContext): NewNotice {
  const deliveries: PlannedDelivery[] = context.webhooks
    .filter((webhook) => wantsEvent(webhook, input.event))
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((webhook) => ({
      receiver: webhookReceiver(webhook.id),
      to: null,
      doneAt: null,
      dropped: null,
    }));
  const to = context.mail ? mailRecipients(input, context.recipients) : null;
  if (to !== null && to.length > 0)
    deliveries.push({ receiver: MAIL_RECEIVER, to, doneAt: null, dropped: null });
  return {
    id: context.id,
    key,
    event: input.event,
    at: context.at,
    data: noticeData(input, context.zonesOf),
    deliveries,
  };
}
