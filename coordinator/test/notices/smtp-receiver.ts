import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

/**
 * A real SMTP server on loopback (the smtp-server package): no TLS, no
 * login, every mail kept raw with its envelope. `refuse` answers every
 * mail with a temporary failure (451), so senders retry.
 */
export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  /** Connection errors (a sender killed mid-session resets its connection). */
  readonly connectionErrors: string[] = [];
  refuse = false;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<SmtpReceiver> {
    let receiver: SmtpReceiver | undefined;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          if (receiver?.refuse === true) {
            const error = Object.assign(new Error("try again later"), { responseCode: 451 });
            callback(error);
            return;
          }
          receiver?.mails.push({
            from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: Buffer.concat(chunks).toString(),
          });
          callback();
        });
      },
    });
    // smtp-server re-emits a connection's socket errors on the server; without
    // a listener the ECONNRESET of a coordinator killed with -9 while its mail
    // connection is open would be thrown into the test process.
    server.on("error", (error: Error) => receiver?.connectionErrors.push(error.message));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = (
      server as unknown as { server: { address(): { port: number } } }
    ).server.address();
    receiver = new SmtpReceiver(server, address.port);
    return receiver;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The Subject header of a raw mail, unfolded, with nodemailer's encoded words decoded. */
export function subjectOf(raw: string): string {
  const match = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw);
  const unfolded = (match?.[1] ?? "").replace(/\r?\n[ \t]/g, " ");
  // Adjacent encoded words join without the space between them (RFC 2047).
  const joined = unfolded.replace(/\?=\s+=\?utf-8\?Q\?/gi, "");
  return joined.replace(/=\?utf-8\?Q\?(.*?)\?=/gi, (_all, text: string) =>
    text
      .replace(/_/g, " ")
      .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      ),
  );
}

/** The whole raw mail with quoted-printable soft breaks and escapes undone (for text checks). */
export function decodedText(raw: string): string {
  return raw
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
