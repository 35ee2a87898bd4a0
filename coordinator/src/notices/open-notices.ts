import type { OperatorDirectory } from "../accounts/operators.js";
import type { ScheduleFacts } from "../schedules/schedule-model.js";
import type { AuditStore } from "../store/audit-store.js";
import type { Sleep } from "./delivery-worker.js";
import { type MailSettings, openMailChannel } from "./mail-sender.js";
import { NoticeService } from "./notice-service.js";
import type { NoticeOutbox } from "./outbox.js";
import type { WebhookRegistry } from "./webhook-registry.js";

export interface OpenNoticesOptions {
  /** The store's outbox and webhooks (CoordinatorStore). */
  readonly outbox: NoticeOutbox;
  readonly webhooks: WebhookRegistry;
  /** `--smtp URL --mail-from ADDR`; undefined: mail is off. */
  readonly mail: MailSettings | undefined;
  readonly directory: OperatorDirectory;
  /** The schedules' facts: store contacts, the zones of the stores' windows. */
  readonly schedule: ScheduleFacts;
  /** The business unit group of each store's workstations (for the store's inherited window). */
  readonly storeGroups: () => ReadonlyMap<string, string | null>;
  readonly audit: AuditStore;
  readonly now: () => number;
  readonly log: (message: string) => void;
  readonly sleep?: Sleep;
}

/**
 * The coordinator's NoticeService over the store's outbox and webhooks, mail through
 * nodemailer when `--smtp` is given. Not started: the caller starts it once
 * everything that publishes exists.
 */
export async function openNotices(options: OpenNoticesOptions): Promise<NoticeService> {
  options.log(
    options.mail === undefined
      ? "notices: e-mail off (no --smtp); webhooks only"
      : `notices: e-mail through ${withoutPassword(options.mail.smtp)} from ${options.mail.from}`,
  );
  return new NoticeService({
    outbox: options.outbox,
    webhooks: options.webhooks,
    mail: options.mail === undefined ? null : await openMailChannel(options.mail),
    operators: () => options.directory.list(),
    storeContact: (store) => options.schedule.storeSetting(store)?.contact ?? null,
    zonesOf: (stores) => {
      const facts = options.schedule;
      const groups = options.storeGroups();
      const zones = stores.map(
        (store) =>
          facts.windowFor(store, groups.get(store) ?? null)?.window.tz ??
          facts.storeSetting(store)?.tz ??
          null,
      );
      return [...new Set(zones.filter((zone) => zone !== null))].sort();
    },
    audit: options.audit,
    now: options.now,
    log: options.log,
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
}

/** The SMTP URL as logged: a password in it is never written to the log. */
export function withoutPassword(smtp: string): string {
  const url = new URL(smtp);
  if (url.password !== "") url.password = "***";
  return url.toString().replace(/\/$/, "");
}
