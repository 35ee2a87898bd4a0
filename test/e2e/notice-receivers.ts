import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { SMTPServer } from "smtp-server";

/**
 * The far ends of notices, real and on loopback: an SMTP server that keeps
 * every message it is given, and an HTTP webhook receiver that checks each
 * delivery's X-Tillroll-Signature against the shared secret and can go down
 * (connections refused), answer 503 while up, and come back on the same port.
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

export class MailCatcher {
  readonly mails: ReceivedMail[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<MailCatcher> {
    let catcher: MailCatcher | undefined;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          const { subject, text } = parseMail(Buffer.concat(chunks).toString("utf8"));
          catcher?.mails.push({
            from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            subject,
            text,
          });
          callback();
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.server.address();
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      });
    });
    catcher = new MailCatcher(server, port);
    return catcher;
  }

  /** For the coordinator's --smtp. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Mails to `address`. */
  to(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A delivery the receiver answered 2xx to. */
export interface Delivery {
  id: string;
  event: string;
  at: string;
  data: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

/** "task.planned #3", "release.ended #3", "blackout.announced !2": what a delivery is about, to compare orders. */
export function deliveryLabel(d: Pick<Delivery, "event" | "data">): string {
  const task = d.data.task as { id?: string } | undefined;
  // A release event's data is the event itself: { type, at, release: "3", … }.
  const release = typeof d.data.release === "string" ? d.data.release : undefined;
  const blackout = d.data.blackout as { id?: string } | undefined;
  const id = task?.id ?? release;
  return id !== undefined ? `${d.event} #${id}` : `${d.event} !${blackout?.id ?? "?"}`;
}

export class WebhookReceiver {
  /** Deliveries accepted (answered 204), in arrival order. */
  readonly deliveries: Delivery[] = [];
  /** Requests whose signature did not verify (answered 401): must stay empty. */
  readonly forged: string[] = [];
  /** Requests with a good signature answered 503 (`unavailable`). */
  unavailableAnswers = 0;
  private server: Server | null = null;
  private port = 0;
  private answering503 = false;

  constructor(private readonly secret: string) {}

  static async start(secret: string): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(secret);
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/tillroll`;
  }

  /** Whether `signature` is sha256=<hex HMAC-SHA256(secret, body)>. */
  verifies(body: Buffer, signature: string | undefined): boolean {
    const expected = Buffer.from(
      `sha256=${createHmac("sha256", this.secret).update(body).digest("hex")}`,
    );
    const given = Buffer.from(signature ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Listening (again, on the same port after `down`), accepting deliveries. */
  up(): Promise<void> {
    this.answering503 = false;
    return this.listen();
  }

  /** Listening, but answering every (verified) request 503 Service Unavailable. */
  unavailable(): Promise<void> {
    this.answering503 = true;
    return this.listen();
  }

  private listen(): Promise<void> {
    if (this.server !== null) return Promise.resolve();
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks);
        const signature = request.headers["x-tillroll-signature"];
        if (!this.verifies(body, typeof signature === "string" ? signature : undefined)) {
          this.forged.push(body.toString("utf8").slice(0, 200));
          response.writeHead(401).end();
          return;
        }
        if (this.answering503) {
          this.unavailableAnswers += 1;
          response.writeHead(503).end();
          return;
        }
        const parsed = JSON.parse(body.toString("utf8")) as Omit<Delivery, "headers">;
        this.deliveries.push({ ...parsed, headers: request.headers });
        response.writeHead(204).end();
      });
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        const address = server.address();
        if (typeof address === "object" && address !== null) this.port = address.port;
        this.server = server;
        resolve();
      });
    });
  }

  /** The receiver goes down: open connections dropped, new ones refused. */
  async down(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  close(): Promise<void> {
    return this.down();
  }
}
