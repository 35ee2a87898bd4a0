import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Principal } from "./acl.js";
import type { BrokerCoreOptions } from "./broker-core.js";
import type { BrokerCredentials, BrokerLog } from "./hooks.js";
import {
  type BrokerThreadOptions,
  type FromBroker,
  fromThreadError,
  MessageBatch,
  ownBytes,
  type ToBroker,
  toThreadError,
} from "./thread-messages.js";

/**
 * The coordinator's embedded MQTT broker (broker-core.ts: aedes with our
 * hooks, ACL, retained index, frame gate and login throttle), run in a worker
 * thread (broker-thread.ts) so that serving thousands of till connections
 * does not stall the coordinator's event loop, nor its garbage collection the
 * broker's.
 *
 * The options that are functions stay on this thread: the broker asks for a
 * principal lookup and for beforeAck by message and waits for the answer.
 * The principal lookup is asked for, rather than the worker keeping a copy
 * of the credentials, so that the fleet store stays the one place they live:
 * after a rekey or a removal the next CONNECT is checked against the store as
 * it is, with no copy to update from every enrol, rekey and removal path and
 * no window where the copy is behind. It costs one message each way per
 * CONNECT (batched per event-loop turn), and a cached sha256 or an scrypt in
 * the thread pool here, as before.
 *
 * The broker thread lives and dies with the coordinator: it ends with the
 * process, and if it fails (an uncaught error, an exit nobody asked for) the
 * coordinator is not left half alive without its broker: `onFailure` is
 * called, by default logging and ending the process (systemd restarts it).
 */

export { COORDINATOR_USERNAME, DEFAULT_MAX_CONNECT_BYTES } from "./broker-core.js";
export type { BrokerCredentials, BrokerLog, LookupPrincipal } from "./hooks.js";

export interface EmbeddedBrokerOptions
  extends Omit<BrokerCoreOptions, "now" | "log" | "lookupPrincipal" | "beforeAck"> {
  /** Resolves CONNECT credentials to a principal; null refuses them. Called on this thread. */
  lookupPrincipal: BrokerCoreOptions["lookupPrincipal"];
  /** One line per refusal and per broker error; default: silent. */
  log?: BrokerLog;
  /**
   * Called with every authorized PUBLISH of a client (of `beforeAckKinds`)
   * before the broker acknowledges it (QoS 1: PUBACK only once it resolves),
   * so the coordinator can keep a message durably first (install logs). A
   * rejection closes the client's connection unacknowledged: it sends the
   * message again. Called on this thread.
   */
  beforeAck?: (topic: string, payload: Buffer) => Promise<void>;
  /**
   * The broker thread failed (uncaught error, unexpected exit). Default: log
   * and end the process with exit code 1, so a supervisor restarts it whole.
   */
  onFailure?: (error: Error) => void;
}

export interface EmbeddedBroker {
  /** `mqtt://host:port`, or `mqtts://host:port` with TLS */
  url: string;
  port: number;
  /** The plain-text listener's port besides TLS (plainPort), else null. */
  plainPort: number | null;
  /**
   * The coordinator's in-process account, generated for this broker instance:
   * connect with these to act as the coordinator principal (every protocol
   * topic, `+` fleet filters). The secret never leaves the process.
   */
  coordinatorCredentials: Readonly<BrokerCredentials>;
  /** Persistent sessions held (connected or not), as the broker thread last reported. */
  persistentSessionCount(): number;
  /** Clients logged in now, as the broker thread last reported. */
  connectedCount(): number;
  /**
   * Closes the connection of every client logged in as a principal `match` accepts (a
   * removed or rekeyed workstation's agent and POS); returns how many it asked the broker
   * to close. Their next CONNECT is checked against the credentials as they are now.
   * Matched against the logins the broker thread has reported: a login whose credential
   * check finished just before the change and whose report is still on its way is not
   * closed (as before, in-thread, a login between its check and its registration was not).
   */
  disconnect(match: (principal: Principal) => boolean): number;
  /**
   * Publishes as the broker itself (no client, no ACL; retained and queued for
   * offline sessions as any message): the coordinator's desired documents,
   * without encoding them through a TCP client.
   */
  publish(
    topic: string,
    payload: string | Buffer,
    options: { qos: 0 | 1; retain: boolean },
  ): Promise<void>;
  /** Stops listening, disconnects every client and ends the broker thread; safe to call twice. */
  close(): Promise<void>;
}

/**
 * The worker: the compiled broker-thread.js next to this file; under a TS
 * runner (the unit tests run the sources) the .ts source, loaded through
 * tsx's ESM hooks registered inside the thread (Node 20 does not pass a
 * parent's loader hooks, nor `--import` in execArgv, on to a worker).
 */
function startWorker(workerData: BrokerThreadOptions): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./broker-thread.js", here), { workerData });
  const tsxPackage = pathToFileURL(createRequire(here).resolve("tsx/package.json"));
  const api = new URL("dist/esm/api/index.mjs", tsxPackage).href;
  const entry = new URL("./broker-thread.ts", here).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

const CRASH = Symbol("tillroll.crash-broker-thread");

export function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { lookupPrincipal, beforeAck, log = () => {}, onFailure, ...data } = options;
  const fail =
    onFailure ??
    ((error: Error) => {
      log(`broker: the broker thread failed, the coordinator stops: ${error.message}`);
      process.exit(1);
    });
  const threadOptions: BrokerThreadOptions = { ...data, beforeAck: beforeAck !== undefined };
  const worker = startWorker(threadOptions);
  const outgoing = new MessageBatch<ToBroker>((messages) => worker.postMessage(messages));

  const open = new Map<number, Principal>();
  let sessions = 0;
  let nextPublish = 1;
  const publishes = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let closing: Promise<void> | null = null;
  /** Set once the thread failed: nothing more is sent to it. */
  let failure: Error | null = null;
  let settleClosed: () => void = () => {};
  const whenClosed = new Promise<void>((resolve) => {
    settleClosed = resolve;
  });

  const answerLookup = (id: number, username: string, password: string) => {
    Promise.resolve()
      .then(() => lookupPrincipal(username, password))
      .then(
        (principal) => outgoing.send({ type: "lookup-result", id, principal }),
        (error: unknown) =>
          outgoing.send({
            type: "lookup-result",
            id,
            principal: null,
            error: toThreadError(error).message,
          }),
      );
  };
  const answerAck = (id: number, topic: string, payload: Uint8Array) => {
    const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    Promise.resolve()
      .then(() => beforeAck?.(topic, bytes))
      .then(
        () => outgoing.send({ type: "ack-result", id }),
        (error: unknown) =>
          outgoing.send({ type: "ack-result", id, error: toThreadError(error).message }),
      );
  };

  return new Promise<EmbeddedBroker>((resolveStart, rejectStart) => {
    let started = false;
    const failed = (error: Error) => {
      failure ??= error;
      for (const pending of publishes.values()) pending.reject(error);
      publishes.clear();
      if (!started) {
        rejectStart(error);
        return;
      }
      // While closing (the coordinator is stopping anyway) a failure is only logged.
      if (closing === null) fail(error);
      else log(`broker: the broker thread failed while closing: ${error.message}`);
    };
    worker.on("error", (error) => failed(error));
    worker.on("exit", (code) => {
      settleClosed();
      if (closing === null) failed(new Error(`the broker thread exited (code ${code})`));
    });
    worker.on("message", (messages: FromBroker[]) => {
      for (const message of messages) {
        switch (message.type) {
          case "log":
            log(message.line);
            break;
          case "lookup":
            answerLookup(message.id, message.username, message.password);
            break;
          case "before-ack":
            answerAck(message.id, message.topic, message.payload);
            break;
          case "published": {
            const pending = publishes.get(message.id);
            publishes.delete(message.id);
            if (message.error === undefined) pending?.resolve();
            else pending?.reject(new Error(`broker: publish failed: ${message.error}`));
            break;
          }
          case "opened":
            open.set(message.connection, message.principal);
            break;
          case "closed-connection":
            open.delete(message.connection);
            break;
          case "sessions":
            sessions = message.count;
            break;
          case "start-failed":
            // The thread ends by itself; its exit is no failure of a running broker.
            closing = whenClosed;
            rejectStart(fromThreadError(message.error));
            break;
          case "closed":
            // The thread's exit follows (whenClosed).
            break;
          case "ready":
            started = true;
            resolveStart(handle(message));
            break;
        }
      }
    });
  });

  function handle(ready: Extract<FromBroker, { type: "ready" }>): EmbeddedBroker {
    const broker: EmbeddedBroker = {
      url: ready.url,
      port: ready.port,
      plainPort: ready.plainPort,
      coordinatorCredentials: Object.freeze({ ...ready.coordinatorCredentials }),
      persistentSessionCount: () => sessions,
      connectedCount: () => open.size,
      disconnect(match) {
        const connections = [...open].filter(([, principal]) => match(principal)).map(([id]) => id);
        if (connections.length > 0) outgoing.send({ type: "disconnect", connections });
        return connections.length;
      },
      publish(topic, payload, { qos, retain }) {
        if (failure !== null)
          return Promise.reject(new Error(`broker: failed: ${failure.message}`));
        if (closing !== null) return Promise.reject(new Error("broker: closed"));
        const id = nextPublish++;
        return new Promise<void>((resolve, reject) => {
          publishes.set(id, { resolve, reject });
          outgoing.send({ type: "publish", id, topic, payload: ownBytes(payload), qos, retain });
        });
      },
      close() {
        closing ??= (async () => {
          outgoing.send({ type: "close" });
          await whenClosed;
          await worker.terminate();
        })();
        return closing;
      },
    };
    return Object.assign(broker, { [CRASH]: () => outgoing.send({ type: "crash-for-test" }) });
  }
}

/** Tests only: makes the broker thread of `broker` throw an uncaught error (a crash). */
export function crashBrokerThreadForTest(broker: EmbeddedBroker): void {
  const crash = (broker as { [CRASH]?: () => void })[CRASH];
  if (crash === undefined) throw new Error("not a broker from startEmbeddedBroker");
  crash();
}
