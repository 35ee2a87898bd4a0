import { createServer, type Server, type Socket } from "node:net";
import { Aedes, type AedesOptions } from "aedes";
import { withTimeout } from "./wait.js";

/**
 * A real MQTT broker (aedes, in memory) on 127.0.0.1 for end-to-end tests.
 * aedes speaks MQTT 3.1.1 only, which is exactly what the protocol asks of
 * every party. Besides start/stop it can *pause*: the listener closes and all
 * connections drop, but the aedes instance (retained messages, will handling)
 * lives on, so a test can simulate "the coordinator's broker went away" and
 * then bring it back on the same address with its retained state intact.
 */

export interface BrokerOptions {
  /** 0 or absent: any free port. */
  port?: number;
  authenticate?: AedesOptions["authenticate"];
  authorizePublish?: AedesOptions["authorizePublish"];
  authorizeSubscribe?: AedesOptions["authorizeSubscribe"];
}

export interface TestBroker {
  /** `mqtt://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The aedes instance, for tests that want its events (`clientDisconnect`, `publish`...). */
  aedes: Aedes;
  /** Client connections open now. */
  connectionCount(): number;
  /** Stops listening and drops every connection; retained state survives. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  /** Drops everything and shuts aedes down; safe to call twice. */
  stop(): Promise<void>;
}

const LISTEN_TIMEOUT_MS = 5_000;

function listen(server: Server, port: number): Promise<number> {
  const listening = new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
  return withTimeout(listening, LISTEN_TIMEOUT_MS, `broker listening on 127.0.0.1:${port}`);
}

export async function startBroker(opts: BrokerOptions = {}): Promise<TestBroker> {
  // aedes merges options with Object.assign, so an explicit `undefined` would
  // wipe out its default (allow-all) handlers: pass only what was given.
  const aedesOptions: AedesOptions = {};
  if (opts.authenticate) aedesOptions.authenticate = opts.authenticate;
  if (opts.authorizePublish) aedesOptions.authorizePublish = opts.authorizePublish;
  if (opts.authorizeSubscribe) aedesOptions.authorizeSubscribe = opts.authorizeSubscribe;
  const aedes = await Aedes.createBroker(aedesOptions);

  // Our own record of sockets: aedes has no "drop all connections but keep
  // running" call, and net.Server.close() waits for open connections.
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let stopped = false;

  function newServer(): Server {
    const created = createServer((socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      aedes.handle(socket);
    });
    // A client that vanishes mid-handshake must not crash the test process.
    created.on("error", () => {});
    return created;
  }

  async function closeListener(): Promise<void> {
    const current = server;
    server = null;
    if (current === null) return;
    const closed = [new Promise<void>((resolve) => current.close(() => resolve()))];
    // destroy() without a DISCONNECT is what a crash or a cable pull looks
    // like to aedes: it publishes the clients' last wills, as a real outage would.
    // Wait for each socket's own "close" so the set is empty when pause() returns.
    for (const socket of sockets) {
      closed.push(new Promise<void>((resolve) => socket.once("close", () => resolve())));
      socket.destroy();
    }
    await withTimeout(Promise.all(closed), LISTEN_TIMEOUT_MS, "broker listener closing");
  }

  server = newServer();
  const port = await listen(server, opts.port ?? 0);

  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    aedes,
    connectionCount: () => sockets.size,
    async pause() {
      if (stopped) throw new Error("broker is stopped");
      await closeListener();
    },
    async resume() {
      if (stopped) throw new Error("broker is stopped");
      if (server !== null) return;
      const fresh = newServer();
      // The actual port, not opts.port: with port 0 the clients know only this one.
      try {
        await listen(fresh, port);
      } catch (error) {
        fresh.close();
        throw error;
      }
      server = fresh;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await closeListener();
      await withTimeout(
        new Promise<void>((resolve) => aedes.close(() => resolve())),
        LISTEN_TIMEOUT_MS,
        "aedes closing",
      );
    },
  };
}
