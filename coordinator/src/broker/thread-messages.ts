import type { TlsOptions } from "node:tls";
import type { TopicKind } from "@tillroll/protocol";
import type { Principal } from "./acl.js";
import type { SessionLimits } from "./client-ids.js";
import type { BrokerCredentials } from "./hooks.js";
import type { ThrottleOptions } from "./login-throttle.js";

/**
 * What the coordinator's thread and the broker's worker thread say to each
 * other (embedded-broker.ts ↔ broker-thread.ts). Only data crosses: the
 * functions of the broker's options stay on the coordinator's side and are
 * called there on request (principal lookup, beforeAck, log).
 */

/** The broker's options that are data (structured-clonable). */
export interface BrokerThreadOptions {
  host?: string | undefined;
  port: number;
  tls?: TlsOptions | undefined;
  plainPort?: number | undefined;
  topicRoot: string;
  maxPayloadBytes?: number | undefined;
  maxConnectBytes?: number | undefined;
  sessions?: Partial<SessionLimits> | undefined;
  loginThrottle?: Partial<ThrottleOptions> | undefined;
  /** Whether the coordinator asked for beforeAck (then `before-ack` requests come). */
  beforeAck: boolean;
  beforeAckKinds?: readonly TopicKind[] | undefined;
}

/** An error as it crosses the thread: message plus the fields callers look at. */
export interface ThreadError {
  message: string;
  code?: string | undefined;
  /** "plain": the plain-text listener failed (coordinator's --plain-mqtt-port). */
  listener?: string | undefined;
}

/** Worker → coordinator. */
export type FromBroker =
  | {
      type: "ready";
      url: string;
      port: number;
      plainPort: number | null;
      coordinatorCredentials: BrokerCredentials;
    }
  | { type: "start-failed"; error: ThreadError }
  | { type: "lookup"; id: number; username: string; password: string }
  | { type: "before-ack"; id: number; topic: string; payload: Uint8Array }
  | { type: "published"; id: number; error?: string | undefined }
  | { type: "log"; line: string }
  /** A client logged in as `principal`; `connection` names it for `disconnect`. */
  | { type: "opened"; connection: number; principal: Principal }
  | { type: "closed-connection"; connection: number }
  | { type: "sessions"; count: number }
  | { type: "closed" };

/** Coordinator → worker. */
export type ToBroker =
  | { type: "lookup-result"; id: number; principal: Principal | null; error?: string | undefined }
  | { type: "ack-result"; id: number; error?: string | undefined }
  | { type: "publish"; id: number; topic: string; payload: Uint8Array; qos: 0 | 1; retain: boolean }
  | { type: "disconnect"; connections: number[] }
  | { type: "close" }
  /** Tests only: throw an uncaught error in the broker thread (a crash). */
  | { type: "crash-for-test" };

export function toThreadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, listener } = error as { code?: unknown; listener?: unknown };
  return {
    message: error.message,
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof listener === "string" ? { listener } : {}),
  };
}

export function fromThreadError(error: ThreadError): Error {
  const { message, ...fields } = error;
  return Object.assign(new Error(message), fields);
}

/**
 * The bytes of `payload` in an array of their own. Posting a Buffer clones
 * its whole ArrayBuffer, which for a slice of a socket read or of Node's
 * buffer pool is many times the payload.
 */
export function ownBytes(payload: Buffer | Uint8Array | string): Uint8Array {
  if (typeof payload === "string") return new Uint8Array(Buffer.from(payload, "utf8"));
  return new Uint8Array(payload);
}

/**
 * Sends messages in batches: everything sent during one turn of the event
 * loop goes as one array, so a burst (10,000 desired documents, a reconnect
 * storm's logins) costs one postMessage per turn, not one per message.
 */
export class MessageBatch<T> {
  private queue: T[] = [];
  private scheduled = false;

  constructor(
    private readonly post: (messages: T[]) => void,
    /** Called just before a batch goes: a last message to add (or nothing). */
    private readonly beforeFlush: () => T | undefined = () => undefined,
  ) {}

  send(message: T): void {
    this.queue.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    const last = this.beforeFlush();
    if (last !== undefined) this.queue.push(last);
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.post(batch);
  }
}
