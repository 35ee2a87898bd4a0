import { randomUUID } from "node:crypto";
import { err, ok, type Result } from "@tillroll/protocol";
import { auditWho } from "../accounts/audit-identity.js";
import type { Operator } from "../accounts/identity.js";
import type { AuditStore } from "../store/audit-store.js";
import { describeReceiver, ReceiverWorker, realSleep, type Sleep } from "./delivery-worker.js";
import type { MailChannel } from "./mail-sender.js";
import type { NoticeInput, NoticePublisher } from "./notice-model.js";
import { planNotice } from "./notice-plan.js";
import type { DirectoryEntry } from "./notice-recipients.js";
import {
  MAIL_RECEIVER,
  type NewNotice,
  type NoticeOutbox,
  type OutboxNotice,
  type ReceiverId,
} from "./outbox.js";
import { parseWebhookInput, type WebhookInput } from "./webhook-input.js";
import { summarizeWebhook, type WebhookRegistry, type WebhookSummary } from "./webhook-registry.js";
import { postWebhook, type SendOutcome, WEBHOOK_TIMEOUT_MS } from "./webhook-sender.js";

export interface NoticeServiceDeps {
  readonly outbox: NoticeOutbox;
  readonly webhooks: WebhookRegistry;
  /** The mail channel (`--smtp`), or null: mail is off. */
  readonly mail: MailChannel | null;
  /** The operator directory as it is now (partner admins, owners). */
  operators(): readonly DirectoryEntry[];
  /** A store's contact address (schedules' `store set --contact`), or null. */
  storeContact(store: string): string | null;
  /** The time zones of these stores (their windows' or their own), for local times in mails. */
  zonesOf(stores: readonly string[]): readonly string[];
  readonly audit: AuditStore | null;
  readonly now: () => number;
  readonly log: (message: string) => void;
  /** Waits between attempts; tests pass a virtual one. */
  readonly sleep?: Sleep;
  /** The webhook timeout (10 s); tests may shorten it. */
  readonly webhookTimeoutMs?: number;
  readonly newId?: () => string;
}

/**
 * Notices (issue 11): the one NoticePublisher of a coordinator. `publish`
 * plans each notice (deliveries to the subscribed webhooks and, with
 * --smtp, the mail channel with its addresses), stores it in the durable
 * outbox and only then wakes the receivers' workers, one per receiver,
 * each delivering strictly in order. Also the webhook console (add, list,
 * remove). All state is in the instance.
 */
export class NoticeService implements NoticePublisher {
  private readonly workers = new Map<ReceiverId, ReceiverWorker>();
  private closed = false;
  /**
   * Issue 14: delivery runs only after `start` (on the leader among replicas): before
   * it, `publish` only adds to the durable outbox, where the leader's workers find it.
   */
  private started = false;
  private readonly sleep: Sleep;

  constructor(private readonly deps: NoticeServiceDeps) {
    this.sleep = deps.sleep ?? realSleep;
  }

  /** Starts delivering what the outbox still holds (after a restart: what a crash cut off). */
  start(): void {
    this.started = true;
    this.wakePending();
    const mails = this.deps.outbox
      .list()
      .filter((notice) =>
        notice.deliveries.some((d) => d.receiver === MAIL_RECEIVER && d.doneAt === null),
      ).length;
    if (this.deps.mail === null && mails > 0)
      this.deps.log(`notices: ${mails} mail(s) wait in the outbox for a coordinator with --smtp`);
  }

  /**
   * Wakes the worker of every receiver the outbox owes a delivery (issue 14: after the
   * outbox was read again because another replica added notices). Nothing before `start`.
   */
  wakePending(): void {
    for (const receiver of this.deps.outbox.pendingReceivers()) this.worker(receiver)?.wake();
  }

  async publish(
    notices: readonly { readonly key: string; readonly notice: NoticeInput }[],
  ): Promise<void> {
    const { outbox } = this.deps;
    const planned: NewNotice[] = [];
    for (const { key, notice } of notices) {
      if (outbox.has(key) || planned.some((p) => p.key === key)) continue;
      const plan = planNotice(key, notice, {
        id: (this.deps.newId ?? randomUUID)(),
        at: new Date(this.deps.now()).toISOString(),
        webhooks: this.deps.webhooks.list(),
        mail: this.deps.mail !== null,
        recipients: {
          operators: this.deps.operators(),
          storeContact: (store) => this.deps.storeContact(store),
          taskMail: (task) => outbox.taskMail(task),
        },
        zonesOf: (stores) => this.deps.zonesOf(stores),
      });
      const mail = plan.deliveries.find((d) => d.receiver === MAIL_RECEIVER);
      // The cancel mail goes to the planning mail's addresses: kept before the notice is.
      if (notice.event === "task.planned" && mail?.to)
        await outbox.rememberTaskMail(notice.task.id, mail.to);
      planned.push(plan);
    }
    const added = await outbox.add(planned);
    for (const notice of added) {
      this.deps.log(
        `notice ${notice.seq} ${notice.event} (${notice.id}): to ${notice.deliveries.map((d) => describeReceiver(d.receiver)).join(", ") || "nobody"}`,
      );
      for (const delivery of notice.deliveries) this.worker(delivery.receiver)?.wake();
    }
  }

  /** `webhook add`: checked, stored durably, audited; the answer never shows the secret. */
  async addWebhook(input: WebhookInput, who: Operator): Promise<Result<WebhookSummary>> {
    const parsed = parseWebhookInput(input);
    if (!parsed.ok) return parsed;
    const webhook = await this.deps.webhooks.add((id) => ({
      id,
      ...parsed.value,
      createdBy: who.name,
      createdAt: new Date(this.deps.now()).toISOString(),
    }));
    const summary = summarizeWebhook(webhook);
    await this.audit(who, "webhook add", {
      id: webhook.id,
      url: webhook.url,
      events: webhook.events,
    });
    this.deps.log(
      `webhook ${webhook.id} added by ${who.name}: ${webhook.url} (${webhook.events === null ? "every event" : webhook.events.join(", ")})`,
    );
    return ok(summary);
  }

  listWebhooks(): WebhookSummary[] {
    return this.deps.webhooks.list().map(summarizeWebhook);
  }

  /** `webhook remove ID`: its undelivered notices are dropped (logged), nothing more is sent to it. */
  async removeWebhook(id: string, who: Operator): Promise<Result<WebhookSummary>> {
    const removed = await this.deps.webhooks.remove(id);
    if (removed === undefined) return err(`no webhook ${id} (tillroll webhook list shows them)`);
    await this.audit(who, "webhook remove", { id, url: removed.url });
    this.deps.log(`webhook ${id} removed by ${who.name}: ${removed.url}`);
    // Its worker finds the webhook gone and drops what is left, in order.
    this.workers.get(`webhook:${id}`)?.wake();
    return ok(summarizeWebhook(removed));
  }

  /** The notices kept in the outbox (pending and recently done), by seq. */
  outboxNotices(): OutboxNotice[] {
    return this.deps.outbox.list();
  }

  /**
   * Issue 14: stops delivering (a replica's leadership term ended: an attempt in
   * flight finishes); `publish` still adds to the outbox, and `start` delivers again.
   */
  async stopDelivery(): Promise<void> {
    this.started = false;
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((worker) => worker.stop()));
  }

  /** Stops every worker (an attempt in flight finishes) and the mail channel. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopDelivery();
    this.deps.mail?.close();
  }

  private worker(receiver: ReceiverId): ReceiverWorker | undefined {
    if (this.closed || !this.started) return undefined;
    if (receiver === MAIL_RECEIVER && this.deps.mail === null) return undefined;
    let worker = this.workers.get(receiver);
    if (worker === undefined) {
      worker = new ReceiverWorker(receiver, {
        outbox: this.deps.outbox,
        send: (to, notice, stopping) => this.send(to, notice, stopping),
        sleep: this.sleep,
        log: this.deps.log,
      });
      this.workers.set(receiver, worker);
    }
    return worker;
  }

  private async send(
    receiver: ReceiverId,
    notice: OutboxNotice,
    stopping: AbortSignal,
  ): Promise<SendOutcome> {
    if (receiver === MAIL_RECEIVER) {
      const to = notice.deliveries.find((d) => d.receiver === MAIL_RECEIVER)?.to ?? [];
      if (this.deps.mail === null) return { kind: "failed", why: "mail is off (no --smtp)" };
      return this.deps.mail.send(notice, to);
    }
    const id = receiver.slice("webhook:".length);
    const webhook = this.deps.webhooks.get(id);
    if (webhook === undefined) return { kind: "dropped", why: `webhook ${id} was removed` };
    return postWebhook(webhook, notice, {
      timeoutMs: this.deps.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS,
      stopping,
    });
  }

  private async audit(who: Operator, action: string, details: Record<string, unknown>) {
    await this.deps.audit?.append({
      at: new Date(this.deps.now()).toISOString(),
      who: auditWho(who),
      action,
      details,
      touched: [],
      skipped: 0,
    });
  }
}
