import { parentPort, workerData } from "node:worker_threads";
import type { Client } from "aedes";
import type { Principal } from "./acl.js";
import { type BrokerCore, startBrokerCore } from "./broker-core.js";
import { principalOf } from "./hooks.js";
import {
  type BrokerThreadOptions,
  type FromBroker,
  MessageBatch,
  ownBytes,
  type ToBroker,
  toThreadError,
} from "./thread-messages.js";

/**
 * The broker's worker thread (started by embedded-broker.ts): runs the broker
 * (broker-core.ts) with its hooks, ACL, retained index, frame gate and login
 * throttle here, so that thousands of client sockets are served off the
 * coordinator's event loop. What needs the coordinator (principal lookup,
 * beforeAck, log lines) is asked of it by message; connections that logged
 * in are reported so that the coordinator can close a workstation's.
 */

const port = parentPort;
if (port === null) throw new Error("broker-thread.ts runs as a worker thread only");
const options = workerData as BrokerThreadOptions;
const outgoing = new MessageBatch<FromBroker>(
  (messages) => port.postMessage(messages),
  () => {
    const count = core?.persistentSessionCount() ?? lastSessions;
    if (count === lastSessions) return undefined;
    lastSessions = count;
    return { type: "sessions", count };
  },
);
let core: BrokerCore | null = null;
let lastSessions = 0;
let nextId = 1;
/** Requests waiting for the coordinator's answer, by id. */
const lookups = new Map<
  number,
  (answer: { principal: Principal | null; error?: string }) => void
>();
const acks = new Map<number, (error: string | undefined) => void>();
/** Logged-in connections by the number the coordinator knows them by. */
const connections = new Map<number, Client>();
let nextConnection = 1;

port.on("message", (messages: ToBroker[]) => {
  for (const message of messages) handle(message);
});

function handle(message: ToBroker): void {
  switch (message.type) {
    case "lookup-result":
      lookups.get(message.id)?.({
        principal: message.principal,
        ...(message.error === undefined ? {} : { error: message.error }),
      });
      lookups.delete(message.id);
      return;
    case "ack-result":
      acks.get(message.id)?.(message.error);
      acks.delete(message.id);
      return;
    case "publish":
      publish(message);
      return;
    case "disconnect":
      for (const connection of message.connections) connections.get(connection)?.close();
      return;
    case "close":
      void close();
      return;
    case "crash-for-test":
      setImmediate(() => {
        throw new Error("broker thread crash requested by a test");
      });
      return;
  }
}

function publish(message: Extract<ToBroker, { type: "publish" }>): void {
  const { id, topic, qos, retain } = message;
  const payload = Buffer.from(
    message.payload.buffer,
    message.payload.byteOffset,
    message.payload.byteLength,
  );
  if (core === null) {
    outgoing.send({ type: "published", id, error: "the broker is not running" });
    return;
  }
  core.publish(topic, payload, { qos, retain }).then(
    () => outgoing.send({ type: "published", id }),
    (error: Error) => outgoing.send({ type: "published", id, error: error.message }),
  );
}

function lookupPrincipal(username: string, password: string): Promise<Principal | null> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    lookups.set(id, ({ principal, error }) =>
      error === undefined ? resolve(principal) : reject(new Error(error)),
    );
    outgoing.send({ type: "lookup", id, username, password });
  });
}

function beforeAck(topic: string, payload: Buffer): Promise<void> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    acks.set(id, (error) => (error === undefined ? resolve() : reject(new Error(error))));
    outgoing.send({ type: "before-ack", id, topic, payload: ownBytes(payload) });
  });
}

/** Reports a logged-in client, and its end, so that `disconnect` can name it. */
function track(client: Client): void {
  const principal = principalOf(client);
  if (principal === null) return;
  const connection = nextConnection++;
  connections.set(connection, client);
  outgoing.send({ type: "opened", connection, principal });
  const closed = () => {
    connections.delete(connection);
    outgoing.send({ type: "closed-connection", connection });
  };
  if ((client.conn as { closed?: boolean }).closed === true) closed();
  else client.conn.once("close", closed);
}

async function close(): Promise<void> {
  await core?.close();
  outgoing.send({ type: "closed" });
  outgoing.flush();
  port?.close();
}

try {
  const { beforeAck: wantsBeforeAck, ...rest } = options;
  core = await startBrokerCore({
    ...rest,
    lookupPrincipal,
    ...(wantsBeforeAck ? { beforeAck } : {}),
    log: (line) => outgoing.send({ type: "log", line }),
  });
  core.aedes.on("client", track);
  outgoing.send({
    type: "ready",
    url: core.url,
    port: core.port,
    plainPort: core.plainPort,
    coordinatorCredentials: { ...core.coordinatorCredentials },
  });
} catch (error) {
  outgoing.send({ type: "start-failed", error: toThreadError(error) });
  outgoing.flush();
  port.close();
}
