import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP link between one till and the broker that the test can cut and
 * restore, like a store's uplink going down: the agent's connection drops and
 * new ones are refused until `restore()`, while the broker (and every other
 * till) carries on. Listens on the same loopback port again on restore, so
 * the agent's broker URL stays valid.
 */
export class LinkCut {
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;

  private constructor(
    private readonly target: { host: string; port: number },
    private port: number,
  ) {}

  static async open(brokerUrl: string): Promise<LinkCut> {
    const url = new URL(brokerUrl);
    const link = new LinkCut({ host: url.hostname, port: Number(url.port) }, 0);
    await link.listen();
    return link;
  }

  /** What the agent's config names as its broker. */
  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get up(): boolean {
    return this.server !== null;
  }

  private listen(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(this.target.port, this.target.host);
      this.sockets.add(inbound).add(outbound);
      const drop = () => {
        inbound.destroy();
        outbound.destroy();
        this.sockets.delete(inbound);
        this.sockets.delete(outbound);
      };
      inbound.on("error", drop).on("close", drop);
      outbound.on("error", drop).on("close", drop);
      inbound.pipe(outbound).pipe(inbound);
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        const address = server.address();
        if (address !== null && typeof address === "object") this.port = address.port;
        this.server = server;
        resolve();
      });
    });
  }

  /** The uplink goes down: every connection through it is dropped, new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** The uplink is back (same port). */
  async restore(): Promise<void> {
    if (this.server === null) await this.listen();
  }

  close(): Promise<void> {
    return this.cut();
  }
}
