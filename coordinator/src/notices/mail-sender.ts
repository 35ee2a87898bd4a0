import { renderMail } from "./notice-mail.js";
import type { OutboxNotice } from "./outbox.js";
import type { SendOutcome } from "./webhook-sender.js";

/** The coordinator's mail settings: `--smtp smtp://host:port --mail-from ADDR`. */
export interface MailSettings {
  readonly smtp: string;
  readonly from: string;
}

/** How long nodemailer waits for the server at each step. */
const SMTP_TIMEOUT_MS = 10_000;

/** The mail channel: one nodemailer transport, closed with the coordinator. */
export interface MailChannel {
  send(notice: OutboxNotice, to: readonly string[]): Promise<SendOutcome>;
  close(): void;
}

/**
 * Opens the transport. nodemailer is loaded here, not at module load: every
 * `tillroll` console command loads the coordinator's modules, and only a
 * coordinator with --smtp needs it (a quarter second on a busy machine).
 */
export async function openMailChannel(settings: MailSettings): Promise<MailChannel> {
  const { default: nodemailer } = await import("nodemailer");
  const transport = nodemailer.createTransport(settings.smtp, {
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    async send(notice, to) {
      const mail = renderMail(notice);
      if (mail === null) return { kind: "dropped", why: `${notice.event} is not sent by e-mail` };
      try {
        await transport.sendMail({
          from: settings.from,
          to: [...to],
          subject: mail.subject,
          text: mail.text,
          headers: { "X-Tillroll-Event": notice.event, "X-Tillroll-Delivery": notice.id },
        });
        return { kind: "delivered" };
      } catch (error) {
        return { kind: "failed", why: (error as Error).message.split("\n")[0] ?? String(error) };
      }
    },
    close: () => transport.close(),
  };
}

/** `--smtp` as given: an smtp:// or smtps:// URL, or why not. */
export function smtpUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(text)} is not a URL (smtp://host:port)`;
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:")
    return `${JSON.stringify(text)} is not an smtp:// or smtps:// URL`;
  if (url.hostname === "") return `${JSON.stringify(text)} names no host`;
  return null;
}
