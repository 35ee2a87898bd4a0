import { createServer, type IncomingMessage, type Server } from "node:http";
import { verifyWebhookSignature } from "../../src/notices/webhook-signature.js";

export interface Received {
  readonly id: string;
  readonly event: string;
  readonly at: string;
  readonly data: Record<string, unknown>;
  readonly headers: IncomingMessage["headers"];
}

/**
 * A real webhook receiver on loopback (node:http) that verifies every
 * signature over the exact bytes: `up` answers 204, `503` answers 503,
 * `hang` never answers, `down` closes the port (connections refused) and
 * `up` later listens on the same port again.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  readonly badSignatures: string[] = [];
  private server: Server | null = null;
  mode: "up" | "503" | "hang" = "up";

  private constructor(
    private readonly secret: string,
    readonly port: number,
  ) {}

  static async start(secret: string): Promise<WebhookReceiver> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const address = probe.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const receiver = new WebhookReceiver(secret, port);
    await receiver.listen();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  async listen(): Promise<void> {
    if (this.server !== null) return;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        if (this.mode === "hang") return;
        if (this.mode === "503") {
          res.writeHead(503).end("busy");
          return;
        }
        const bytes = Buffer.concat(chunks);
        if (!verifyWebhookSignature(this.secret, bytes, req.headers["x-tillroll-signature"])) {
          this.badSignatures.push(bytes.toString());
          res.writeHead(401).end("bad signature");
          return;
        }
        const body = JSON.parse(bytes.toString()) as Omit<Received, "headers">;
        this.received.push({ ...body, headers: req.headers });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.server = server;
  }

  /** Closes the port: new connections are refused. */
  async down(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.down();
  }
}

/** Waits (real time) until `check` holds, or fails naming `what`. */
export async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
