import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { explainListenError } from "../setup/startup-error.js";
import type { TlsMaterial } from "../tls/certificates.js";
import { tlsServerOptions } from "../tls/tls-listener.js";
import type { Closers } from "./closers.js";

/** The HTTP(S) server, the plain one beside it (--allow-plaintext) and the port listened on. */
export interface HttpServers {
  readonly server: Server;
  readonly plainServer: Server | null;
  readonly httpPort: number;
}

/**
 * Creates the servers and listens, with no handler yet: pack URLs in desired
 * documents need the real port (0 picks one). On failure everything in
 * `closers` is closed (so the process can end) and the error explained.
 */
export async function listenServers(
  options: {
    host: string;
    httpPort: number;
    material: TlsMaterial | null;
    plainHttpPort: number | undefined;
  },
  closers: Closers,
): Promise<HttpServers> {
  const { host, material } = options;
  const server: Server =
    material === null ? createServer() : createHttpsServer(tlsServerOptions(material));
  const plainServer = options.plainHttpPort === undefined ? null : createServer();
  const httpPort = await listenHttp(server, options.httpPort, host, "--http-port", closers);
  if (plainServer !== null && options.plainHttpPort !== undefined) {
    closers.unshift(() => closeHttp(server));
    await listenHttp(plainServer, options.plainHttpPort, host, "--plain-http-port", closers);
    closers.shift();
  }
  return { server, plainServer, httpPort };
}

/** Listens; on failure closes what started (so the process can end) and explains. */
function listenHttp(
  server: Server,
  port: number,
  host: string,
  flag: "--http-port" | "--plain-http-port",
  closers: Closers,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once("error", (error) => {
      Promise.all(closers.map((close) => close().catch(() => undefined))).finally(() =>
        reject(explainListenError(error, flag, host, port)),
      );
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}

/** Closes a server and the connections it holds (keep-alive ones would keep it open). */
export function closeHttp(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
