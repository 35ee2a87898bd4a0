import type { Socket } from "node:net";
import { createServer, type Server, type TLSSocket, type TlsOptions } from "node:tls";
import type { TlsMaterial } from "./certificates.js";

/**
 * Serving over TLS: the options node's `tls` and `https` servers take, and a
 * TLS listener for the MQTT broker (aedes takes any duplex stream, so its
 * `handle` serves a TLSSocket as it serves a plain one).
 */

/**
 * A client that connects and never finishes the handshake holds a socket;
 * node's default waits 120 s. Tills on a slow uplink still finish within a
 * few seconds.
 */
export const HANDSHAKE_TIMEOUT_MS = 15_000;

/** Options for `tls.createServer` and `https.createServer`. TLS 1.2 at least (PCI-DSS). */
export function tlsServerOptions(material: TlsMaterial): TlsOptions {
  return {
    cert: material.certPem,
    key: material.keyPem,
    minVersion: "TLSv1.2",
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  };
}

export interface TlsListenerOptions {
  tls: TlsOptions;
  /**
   * Called for a connection that failed before it was secure (wrong CA on the
   * client, a plain-text client, a port scan); default: silent. These are
   * the client's problem, not the server's.
   */
  onClientError?: (error: Error, remoteAddress: string | undefined) => void;
}

/**
 * A TLS server handing every secured connection to `handle`, such as
 * `aedes.handle`; listen on it as on a net.Server. Plain-text clients fail
 * the handshake and never reach `handle`.
 */
export function createTlsListener(
  options: TlsListenerOptions,
  handle: (socket: TLSSocket) => void,
): Server {
  const server = createServer(options.tls, handle);
  server.on("tlsClientError", (error: Error, socket: Socket | TLSSocket) => {
    options.onClientError?.(error, socket.remoteAddress);
    socket.destroy();
  });
  return server;
}
