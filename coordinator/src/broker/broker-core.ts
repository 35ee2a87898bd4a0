import type { EventEmitter } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import type { TlsOptions } from "node:tls";
import {
  MAX_PAYLOAD_BYTES,
  parseTopic,
  type TopicKind,
  validateTopicRoot,
} from "@tillroll/protocol";
import { Aedes, type Client } from "aedes";
import { createTlsListener } from "../tls/tls-listener.js";
import type { Principal } from "./acl.js";
import {
  ClientIdOwners,
  DEFAULT_SESSION_LIMITS,
  MAX_CLIENT_ID_BYTES,
  type SessionLimits,
} from "./client-ids.js";
import { generateSecret } from "./credentials.js";
import { FrameGate } from "./frame-gate.js";
import { maxPacketBytesFor } from "./frame-scanner.js";
import {
  type BrokerCredentials,
  type BrokerHooks,
  type BrokerLog,
  BrokerRefusal,
  createBrokerHooks,
  type LookupPrincipal,
  principalOf,
} from "./hooks.js";
import { DEFAULT_THROTTLE_OPTIONS, LoginThrottle, type ThrottleOptions } from "./login-throttle.js";
import { createRetainedIndexPersistence } from "./retained-index.js";

/**
 * The broker itself, in whichever thread runs it (broker-thread.ts runs it
 * in a worker thread for the coordinator; embedded-broker.ts is the
 * coordinator's handle on that thread). The coordinator's MQTT broker: aedes (MQTT 3.1.1) on a plain TCP listener
 * or, with `tls`, a TLS listener (and a plain one only if asked for),
 * with every CONNECT authenticated against the fleet's principals, every
 * PUBLISH and SUBSCRIBE checked against the topic ACL (acl.ts), payloads
 * capped at the protocol's limit, and retained messages indexed by topic
 * (retained-index.ts). Sessions and retained messages live in memory: after a
 * restart the agents resubscribe and republish (agent-link.ts), and the
 * coordinator republishes desired states from its fleet store.
 *
 * Bounds against a client that misbehaves, logged in or not:
 * - a packet declaring more than the limit is refused at its fixed header,
 *   before its body is read (frame-gate.ts): a CONNECT above
 *   `maxConnectBytes` (8 KiB), any later packet above what a PUBLISH of
 *   `maxPayloadBytes` can need; the connection is closed;
 * - failed logins are slowed per username and per address (login-throttle.ts);
 * - a principal holds at most `maxSessionsPerPrincipal` persistent sessions
 *   besides its fixed client id, and a persistent session whose client stays
 *   away `sessionExpiryMs` (a day) is discarded (client-ids.ts).
 */

/**
 * Username of the coordinator's own account. Reserved: the broker answers it
 * itself and never asks lookupPrincipal, so no fleet account can take it.
 */
export const COORDINATOR_USERNAME = "tillroll-coordinator";

/** Largest payload MQTT 3.1.1 can carry at all (Remaining Length, §2.2.3). */
const MQTT_MAX_PAYLOAD_BYTES = 268_435_455;

/**
 * Largest CONNECT accepted before login: protocol name and flags (10 bytes),
 * a client id (at most 256), username, password and a last will of a
 * presence or session document; ours take a few hundred bytes.
 */
export const DEFAULT_MAX_CONNECT_BYTES = 8 * 1024;

export interface BrokerCoreOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one (see `port` of the result). */
  port: number;
  /**
   * Serve MQTT over TLS on `port` (tlsServerOptions of the coordinator's
   * material); omitted: plain MQTT on `port`.
   */
  tls?: TlsOptions | undefined;
  /** With `tls`: also plain-text MQTT on this port (--allow-plaintext); 0 picks one. */
  plainPort?: number | undefined;
  /** Topic root, e.g. `tillroll/v1`; checked with validateTopicRoot. */
  topicRoot: string;
  /** Resolves CONNECT credentials to a principal; null refuses them. */
  lookupPrincipal: LookupPrincipal;
  /** Largest payload accepted; default MAX_PAYLOAD_BYTES (256 KiB). */
  maxPayloadBytes?: number;
  /** Largest CONNECT packet (Remaining Length) accepted before login; default 8 KiB. */
  maxConnectBytes?: number;
  /** Persistent-session cap per principal and expiry; default DEFAULT_SESSION_LIMITS. */
  sessions?: Partial<SessionLimits>;
  /** Failed-login slowdown; default DEFAULT_THROTTLE_OPTIONS. */
  loginThrottle?: Partial<ThrottleOptions>;
  /** Clock (ms since the epoch); default Date.now. */
  now?: () => number;
  /** One line per refusal and per broker error; default: silent. */
  log?: BrokerLog;
  /**
   * Called with every authorized PUBLISH of a client before the broker
   * acknowledges it (QoS 1: PUBACK only once it resolves), so the coordinator
   * can keep a message durably first (install logs). A rejection closes the
   * client's connection unacknowledged: it sends the message again.
   */
  beforeAck?: (topic: string, payload: Buffer) => Promise<void>;
  /**
   * The topic kinds (`log`, `status`...) whose PUBLISHes wait for `beforeAck`;
   * default: all. Others are acknowledged at once (in a worker thread, without
   * a round trip to the coordinator's thread for each status).
   */
  beforeAckKinds?: readonly TopicKind[] | undefined;
}

export interface BrokerCore {
  /** `mqtt://host:port`, or `mqtts://host:port` with TLS */
  url: string;
  port: number;
  /** The plain-text listener's port besides TLS (plainPort), else null. */
  plainPort: number | null;
  aedes: Aedes;
  /**
   * The coordinator's in-process account, generated for this broker instance:
   * connect with these to act as the coordinator principal (every protocol
   * topic, `+` fleet filters). The secret never leaves the process.
   */
  coordinatorCredentials: Readonly<BrokerCredentials>;
  /** Persistent sessions held (connected or not), for metrics and tests. */
  persistentSessionCount(): number;
  /**
   * Closes the connection of every client logged in as a principal `match` accepts (a
   * removed or rekeyed workstation's agent and POS); returns how many were closed. Their
   * next CONNECT is checked against the credentials as they are now.
   */
  disconnect(match: (principal: Principal) => boolean): number;
  /** Publishes as the broker itself (no client, no ACL): the coordinator's desired documents. */
  publish(topic: string, payload: Buffer, options: { qos: 0 | 1; retain: boolean }): Promise<void>;
  /** Stops listening, disconnects every client and shuts aedes down; safe to call twice. */
  close(): Promise<void>;
}

export async function startBrokerCore(options: BrokerCoreOptions): Promise<BrokerCore> {
  const host = options.host ?? "127.0.0.1";
  const maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const maxConnectBytes = options.maxConnectBytes ?? DEFAULT_MAX_CONNECT_BYTES;
  const sessionLimits: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...options.sessions };
  const root = validateTopicRoot(options.topicRoot);
  if (!root.ok) throw new Error(`broker: ${root.error}`);
  if (
    !Number.isInteger(maxPayloadBytes) ||
    maxPayloadBytes < 0 ||
    maxPayloadBytes > MQTT_MAX_PAYLOAD_BYTES
  ) {
    throw new Error(`broker: maxPayloadBytes ${maxPayloadBytes} is not a valid payload size`);
  }
  if (!Number.isInteger(maxConnectBytes) || maxConnectBytes < 12) {
    throw new Error(`broker: maxConnectBytes ${maxConnectBytes} is not a valid CONNECT size`);
  }
  const { maxSessionsPerPrincipal, sessionExpiryMs } = sessionLimits;
  if (!Number.isInteger(maxSessionsPerPrincipal) || maxSessionsPerPrincipal < 0) {
    throw new Error(`broker: maxSessionsPerPrincipal ${maxSessionsPerPrincipal} is not a count`);
  }
  if (!Number.isFinite(sessionExpiryMs) || sessionExpiryMs <= 0) {
    throw new Error(`broker: sessionExpiryMs ${sessionExpiryMs} is not a positive duration`);
  }
  const owners = new ClientIdOwners(sessionLimits);

  const coordinatorCredentials: BrokerCredentials = Object.freeze({
    username: COORDINATOR_USERNAME,
    password: generateSecret(),
  });
  const hooks = createBrokerHooks({
    topicRoot: root.value,
    lookupPrincipal: options.lookupPrincipal,
    maxPayloadBytes,
    coordinator: coordinatorCredentials,
    owners,
    throttle: new LoginThrottle({ ...DEFAULT_THROTTLE_OPTIONS, ...options.loginThrottle }),
    now,
    log,
  });
  const persistence = createRetainedIndexPersistence();

  const aedes = await Aedes.createBroker({
    persistence,
    // MQTT 3.1.1 §3.1.3.1: a server must accept client ids of 1-23 bytes and
    // may accept longer ones; agent ids `agent.{store}.{ws}` exceed 23. aedes
    // applies this option to MQTT 3.1 clients only; the hooks enforce the
    // same limit for every version (client-ids.ts).
    maxClientsIdLength: MAX_CLIENT_ID_BYTES,
    // mqemitter queues messages beyond `concurrency` (default 100) and drains
    // the queue recursively; 10,000 tills publishing at once (an outage's
    // last wills, a reconnect storm) overflowed the stack in our benchmark
    // (known: mcollina/mqemitter#204). A deep window keeps the queue short.
    concurrency: 20_000,
    preConnect: hooks.preConnect,
    authenticate: hooks.authenticate,
    authorizePublish: withBeforeAck(hooks.authorizePublish, options, root.value, log),
    authorizeSubscribe: hooks.authorizeSubscribe,
    authorizeForward: hooks.authorizeForward,
  });
  aedes.on("clientError", (client, error) => {
    if (!(error instanceof BrokerRefusal)) {
      log(`broker: client ${JSON.stringify(client.id)}: ${error.message}`);
    }
  });
  aedes.on("connectionError", (_client, error) => {
    if (!(error instanceof BrokerRefusal)) log(`broker: connection error: ${error.message}`);
  });
  // aedes emits "error" for persistence failures; unhandled it would end the process.
  const emitter: EventEmitter = aedes;
  emitter.on("error", (error: unknown) => {
    log(`broker: ${error instanceof Error ? error.message : String(error)}`);
  });

  // Our own record of sockets: net.Server.close() waits for every connection,
  // and aedes.close() knows only clients that finished CONNECT.
  const sockets = new Set<Socket>();
  const frameLimits = { maxConnectBytes, maxPacketBytes: maxPacketBytesFor(maxPayloadBytes) };
  // Every connection, plain or TLS, goes through the frame gate: the
  // TLSSocket is a net.Socket carrying the decrypted MQTT bytes.
  const serve = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const gate = new FrameGate(socket, frameLimits, (reason) =>
      log(`broker: closed the connection from ${socket.remoteAddress ?? "?"}: ${reason}`),
    );
    aedes.handle(gate);
  };
  const tls = options.tls;
  // A TCP connection is tracked from its start, before any TLS handshake:
  // close() must also end handshakes that never finish.
  const trackRaw = (server: Server) =>
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
  const server =
    tls === undefined
      ? createServer(serve)
      : trackRaw(
          createTlsListener(
            {
              tls,
              onClientError: (error, address) =>
                log(`broker: TLS handshake with ${address ?? "?"} failed: ${error.message}`),
            },
            serve,
          ),
        );
  const plainServer =
    tls !== undefined && options.plainPort !== undefined ? createServer(serve) : null;

  // Abandoned persistent sessions: checked often enough that one outlives
  // its expiry by at most a quarter of it (and a minute at most). A client
  // that comes back while its session is being dropped finds it empty, as
  // after a broker restart; the agent subscribes again on every connect.
  const sweepMs = Math.max(10, Math.min(60_000, Math.floor(sessionLimits.sessionExpiryMs / 4)));
  const sweep = setInterval(() => {
    for (const clientId of owners.expire(now())) {
      log(`broker: discarded the persistent session of ${JSON.stringify(clientId)}: abandoned`);
      persistence.dropSession(clientId).catch((error: unknown) => {
        log(`broker: discarding ${JSON.stringify(clientId)}: ${String(error)}`);
      });
    }
  }, sweepMs);
  sweep.unref();

  let port: number;
  let plainPort: number | null = null;
  try {
    port = await listen(server, options.port, host);
    if (plainServer !== null) {
      plainPort = await listen(plainServer, options.plainPort ?? 0, host).catch(
        (error: unknown) => {
          server.close();
          throw Object.assign(error as Error, { listener: "plain" });
        },
      );
    }
  } catch (error) {
    clearInterval(sweep);
    await closeAedes(aedes);
    throw error;
  }
  server.on("error", (error) => log(`broker: listener: ${error.message}`));
  plainServer?.on("error", (error) => log(`broker: plain listener: ${error.message}`));
  log(
    `broker: listening on ${host}:${port}${tls === undefined ? "" : " (TLS)"}${plainPort === null ? "" : `, plain text on ${host}:${plainPort}`}, topic root ${root.value}`,
  );

  let closing: Promise<void> | null = null;
  return {
    url: `${tls === undefined ? "mqtt" : "mqtts"}://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    plainPort,
    aedes,
    coordinatorCredentials,
    persistentSessionCount: () => owners.sessionCount,
    disconnect(match) {
      let closed = 0;
      // aedes keeps its connected clients by id; its typings leave the map out.
      const { clients } = aedes as unknown as { clients: Record<string, Client> };
      for (const client of Object.values(clients)) {
        const principal = principalOf(client);
        if (principal === null || !match(principal)) continue;
        client.close();
        closed += 1;
      }
      return closed;
    },
    publish(topic, payload, { qos, retain }) {
      return new Promise<void>((resolve, reject) =>
        aedes.publish(
          { cmd: "publish", topic, payload, qos, retain, dup: false },
          (error?: Error) => (error ? reject(error) : resolve()),
        ),
      );
    },
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        const listenerClosed = Promise.all(
          [server, plainServer].map(
            (listener) =>
              new Promise<void>((resolve) =>
                listener === null ? resolve() : listener.close(() => resolve()),
              ),
          ),
        );
        await closeAedes(aedes);
        // Connections that never finished CONNECT are not aedes clients.
        for (const socket of sockets) socket.destroy();
        await listenerClosed;
        await persistence.destroy();
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}

/** The ACL hook, then (for an agent's or POS's PUBLISH it allowed) `beforeAck`. */
function withBeforeAck(
  authorize: BrokerHooks["authorizePublish"],
  { beforeAck, beforeAckKinds }: BrokerCoreOptions,
  root: string,
  log: BrokerLog,
): BrokerHooks["authorizePublish"] {
  if (beforeAck === undefined) return authorize;
  const kinds = beforeAckKinds === undefined ? null : new Set<string>(beforeAckKinds);
  const waits = (topic: string) => {
    if (kinds === null) return true;
    const address = parseTopic(topic, root);
    return address.ok && kinds.has(address.value.kind);
  };
  return (client, packet, callback) =>
    authorize(client, packet, (error) => {
      // A will (no live connection) is not acknowledged to anyone: nothing to wait for.
      if (
        error ||
        client === null ||
        (client.conn as { closed?: boolean }).closed === true ||
        !waits(packet.topic)
      )
        return callback(error ?? null);
      const payload = Buffer.isBuffer(packet.payload)
        ? packet.payload
        : Buffer.from(packet.payload);
      beforeAck(packet.topic, payload).then(
        () => callback(null),
        (failure: Error) => {
          log(`broker: ${packet.topic} not kept, not acknowledged: ${failure.message}`);
          callback(failure);
        },
      );
    });
}

function closeAedes(aedes: Aedes): Promise<void> {
  return new Promise<void>((resolve) => aedes.close(() => resolve()));
}
