import { SmtpReceiver } from "../../coordinator/test/notices/smtp-receiver.js";
import {
  WebhookReceiver as CoordinatorWebhookReceiver,
  type Received,
} from "../../coordinator/test/notices/webhook-receiver.js";

/**
 * The far ends of notices, real and on loopback: an SMTP server that keeps
 * every message it is given, and an HTTP webhook receiver that checks each
 * delivery's X-Tillroll-Signature against the shared secret and can go down
 * (connections refused) and come back on the same port.
 */

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  /** The decoded text body (quoted-printable or base64 undone). */
  text: string;
}

/** Undoes RFC 2047 encoded words (=?UTF-8?Q?...?= / ?B?) in a header. */
function decodeHeader(value: string): string {
  // Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=/g, (_all, kind: string, text: string) =>
      kind.toUpperCase() === "B"
        ? Buffer.from(text, "base64").toString("utf8")
        : Buffer.from(
            text
              .replace(/_/g, " ")
              .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) =>
                String.fromCharCode(parseInt(hex, 16)),
              ),
            "latin1",
          ).toString("utf8"),
    );
}

/** The message's Subject and its text part, good enough for what nodemailer sends. */
export function parseMail(raw: string): { subject: string; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  let body = raw.slice(split + 4);
  const header = (name: string) =>
    new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head)?.[1]?.trim() ?? "";
  const boundary = /boundary="?([^";]+)"?/i.exec(header("Content-Type"))?.[1];
  if (boundary !== undefined) {
    // multipart: the first text/plain part (its own headers, then its body)
    const part =
      body.split(`--${boundary}`).find((p) => /content-type:\s*text\/plain/i.test(p)) ?? "";
    return { subject: decodeHeader(header("Subject")), text: parseMail(part.trimStart()).text };
  }
  const encoding = header("Content-Transfer-Encoding").toLowerCase();
  if (encoding === "base64")
    body = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable")
    body = Buffer.from(
      body
        .replace(/=\r?\n/g, "")
        .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      "latin1",
    ).toString("utf8");
  return { subject: decodeHeader(header("Subject")), text: body };
}

/**
 * The coordinator tests' SMTP receiver, each mail read into its Subject and
 * text part (the e2e checks read text, not raw MIME).
 */
export class MailCatcher {
  private constructor(private readonly receiver: SmtpReceiver) {}

  static async start(): Promise<MailCatcher> {
    return new MailCatcher(await SmtpReceiver.start());
  }

  /** Every mail received so far, in arrival order. */
  get mails(): ReceivedMail[] {
    return this.receiver.mails.map(({ from, to, raw }) => ({ from, to, ...parseMail(raw) }));
  }

  /** For the coordinator's --smtp. */
  get url(): string {
    return this.receiver.url;
  }

  /** Mails to `address`. */
  to(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address));
  }

  close(): Promise<void> {
    return this.receiver.close();
  }
}

/** A delivery the receiver answered 2xx to. */
export type Delivery = Received;

/**
 * The coordinator tests' webhook receiver (every signature verified over the
 * exact bytes), under the names the e2e tests use.
 */
export class WebhookReceiver {
  private constructor(private readonly receiver: CoordinatorWebhookReceiver) {}

  static async start(secret: string): Promise<WebhookReceiver> {
    return new WebhookReceiver(await CoordinatorWebhookReceiver.start(secret));
  }

  /** Deliveries accepted (answered 204), in arrival order. */
  get deliveries(): Delivery[] {
    return this.receiver.received;
  }

  /** Requests whose signature did not verify (answered 401): must stay empty. */
  get forged(): string[] {
    return this.receiver.badSignatures;
  }

  get url(): string {
    return this.receiver.url;
  }

  /** Listening (again, on the same port after `down`). */
  up(): Promise<void> {
    return this.receiver.listen();
  }

  /** The receiver goes down: open connections dropped, new ones refused. */
  down(): Promise<void> {
    return this.receiver.down();
  }

  close(): Promise<void> {
    return this.receiver.close();
  }
}
