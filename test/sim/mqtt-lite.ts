import { connect as netConnect, type Socket } from "node:net";
import { generate, type Packet, parser as packetParser } from "mqtt-packet";

/**
 * A minimal MQTT 3.1.1 client over node:net and mqtt-packet, for simulating
 * thousands of agents in one process: an mqtt.js client costs ~19 KB, this
 * one a few. It does what the protocol asks of an agent and nothing else:
 * CONNECT (with a last will), SUBSCRIBE and PUBLISH at QoS 1 with their acks,
 * receiving QoS 0/1 publishes (acked), PINGREQ at the keepalive, and two ways
 * out: end() (DISCONNECT, the will is discarded) and destroy() (the socket
 * just drops, so the broker publishes the will, as after a crash).
 *
 * No reconnecting, no offline queue: the simulator owns those decisions.
 */

export interface LiteWill {
  topic: string;
  payload: string | Buffer;
  qos: 0 | 1;
  retain: boolean;
}

export interface LiteConnectOptions {
  host: string;
  port: number;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  clean: boolean;
  keepaliveSeconds: number;
  will?: LiteWill | undefined;
  /** CONNACK must arrive within this; default 10 s. */
  connectTimeoutMs?: number;
  /** PUBACK / SUBACK must arrive within this; default 10 s. */
  ackTimeoutMs?: number;
  /** A PUBLISH for us (acked after this returns when QoS 1). */
  onMessage?: (topic: string, payload: Buffer) => void;
  /** The connection ended after CONNACK: null after end(), the cause otherwise. */
  onClose?: (error: Error | null) => void;
}

/** CONNACK return codes, MQTT 3.1.1 §3.2.2.3. */
const RETURN_CODES: Record<number, string> = {
  1: "unacceptable protocol version",
  2: "identifier rejected",
  3: "server unavailable",
  4: "bad user name or password",
  5: "not authorized",
};

export class MqttConnectError extends Error {
  override name = "MqttConnectError";
  constructor(
    message: string,
    /** The CONNACK return code when the broker refused; undefined for network errors. */
    readonly returnCode?: number,
  ) {
    super(message);
  }
}

interface Pending {
  resolve(granted: number): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const END_TIMEOUT_MS = 2_000;

export class LiteMqttClient {
  private readonly socket: Socket;
  private readonly parser = packetParser({ protocolVersion: 4 });
  private pending: Map<number, Pending> | null = null;
  private lastId = 0;
  private pingTimer: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  private state: "connecting" | "connected" | "closed" = "connecting";
  private ending = false;
  private connecting: Pending | null = null;
  sessionPresent = false;

  /** Resolves on an accepted CONNACK; a refusal names its return code. */
  readonly ready: Promise<void>;

  private constructor(private readonly opts: LiteConnectOptions) {
    const timeout = opts.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.ready = new Promise<void>((resolve, reject) => {
      this.connecting = {
        resolve: () => resolve(),
        reject,
        timer: setTimeout(
          () => this.fail(new MqttConnectError(`no CONNACK within ${timeout} ms`)),
          timeout,
        ),
      };
    });
    this.socket = netConnect({ host: opts.host, port: opts.port });
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk) => this.parser.parse(chunk));
    this.socket.on("error", (error) => this.fail(error));
    this.socket.on("close", () => this.fail(new Error("connection closed")));
    this.parser.on("packet", (packet) => this.onPacket(packet));
    this.parser.on("error", (error: Error) => this.fail(error));
    this.send({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clientId: opts.clientId,
      clean: opts.clean,
      keepalive: opts.keepaliveSeconds,
      ...(opts.username === undefined ? {} : { username: opts.username }),
      ...(opts.password === undefined ? {} : { password: Buffer.from(opts.password) }),
      ...(opts.will === undefined ? {} : { will: { ...opts.will } }),
    });
  }

  /**
   * Starts connecting and returns at once; `ready` settles with the CONNACK.
   * The client can be destroyed before that (an outage during a connect).
   */
  static open(opts: LiteConnectOptions): LiteMqttClient {
    const client = new LiteMqttClient(opts);
    // The caller awaits `ready`; this keeps an ignored refusal from going unhandled.
    client.ready.catch(() => {});
    return client;
  }

  /** Connects and resolves on an accepted CONNACK; a refusal names its return code. */
  static async connect(opts: LiteConnectOptions): Promise<LiteMqttClient> {
    const client = LiteMqttClient.open(opts);
    await client.ready;
    return client;
  }

  get connected(): boolean {
    return this.state === "connected";
  }

  /** SUBSCRIBE one filter; resolves with the granted QoS, rejects when refused (0x80). */
  subscribe(topic: string, qos: 0 | 1 = 1): Promise<number> {
    return this.request(`SUBACK for ${topic}`, (messageId) => ({
      cmd: "subscribe",
      messageId,
      subscriptions: [{ topic, qos }],
    })).then((granted) => {
      if (granted === 0x80) throw new Error(`broker refused the subscription to ${topic}`);
      return granted;
    });
  }

  /** PUBLISH at QoS 1; resolves on its PUBACK. */
  async publish(topic: string, payload: string | Buffer, retain: boolean): Promise<void> {
    await this.request(`PUBACK for ${topic}`, (messageId) => ({
      cmd: "publish",
      messageId,
      topic,
      payload,
      qos: 1,
      retain,
      dup: false,
    }));
  }

  /** Drops the connection without DISCONNECT: the broker publishes the will. */
  destroy(): void {
    this.fail(new Error("connection destroyed"));
  }

  /** DISCONNECT, then close: the broker discards the will. Bounded. */
  end(): Promise<void> {
    if (this.state === "closed") return Promise.resolve();
    this.ending = true;
    if (this.state === "connected") this.send({ cmd: "disconnect" });
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.socket.destroy(), END_TIMEOUT_MS);
      this.socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }

  private send(packet: Packet): void {
    if (!this.socket.destroyed) this.socket.write(generate(packet));
  }

  private request(what: string, build: (messageId: number) => Packet): Promise<number> {
    if (this.state !== "connected") return Promise.reject(new Error(`not connected: ${what}`));
    this.pending ??= new Map();
    const pending = this.pending;
    let messageId = this.lastId;
    do messageId = (messageId % 65_535) + 1;
    while (pending.has(messageId));
    this.lastId = messageId;
    const timeout = this.opts.ackTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(messageId);
        reject(new Error(`no ${what} within ${timeout} ms`));
      }, timeout);
      pending.set(messageId, { resolve, reject, timer });
      this.send(build(messageId));
    });
  }

  private settle(messageId: number | undefined, granted: number): void {
    if (messageId === undefined || this.pending === null) return;
    const pending = this.pending.get(messageId);
    if (pending === undefined) return;
    this.pending.delete(messageId);
    clearTimeout(pending.timer);
    pending.resolve(granted);
  }

  private onPacket(packet: Packet): void {
    switch (packet.cmd) {
      case "connack":
        this.onConnack(packet.returnCode ?? 0, packet.sessionPresent);
        break;
      case "puback":
        this.settle(packet.messageId, 1);
        break;
      case "suback": {
        const granted = packet.granted[0];
        this.settle(packet.messageId, typeof granted === "number" ? granted : 0x80);
        break;
      }
      case "pingresp":
        this.awaitingPong = false;
        break;
      case "publish": {
        const payload =
          typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
        this.opts.onMessage?.(packet.topic, payload);
        if (packet.qos === 1) this.send({ cmd: "puback", messageId: packet.messageId ?? 0 });
        break;
      }
      default:
        this.fail(new Error(`unexpected ${packet.cmd} packet from the broker`));
    }
  }

  private onConnack(returnCode: number, sessionPresent: boolean): void {
    const connecting = this.connecting;
    if (connecting === null) {
      this.fail(new Error("second CONNACK"));
      return;
    }
    if (returnCode !== 0) {
      const name = RETURN_CODES[returnCode] ?? "unknown return code";
      const message = `broker refused CONNECT of ${this.opts.clientId}: return code ${returnCode} (${name})`;
      this.fail(new MqttConnectError(message, returnCode));
      return;
    }
    this.connecting = null;
    clearTimeout(connecting.timer);
    this.state = "connected";
    this.sessionPresent = sessionPresent;
    if (this.opts.keepaliveSeconds > 0) {
      this.pingTimer = setInterval(() => this.ping(), this.opts.keepaliveSeconds * 1000);
      this.pingTimer.unref();
    }
    connecting.resolve(0);
  }

  private ping(): void {
    if (this.awaitingPong) {
      this.fail(new Error("no PINGRESP within the keepalive"));
      return;
    }
    this.awaitingPong = true;
    this.send({ cmd: "pingreq" });
  }

  /** Ends the connection for good (idempotent): every waiter learns why. */
  private fail(error: Error): void {
    if (this.state === "closed") return;
    const wasConnected = this.state === "connected";
    this.state = "closed";
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.socket.destroy();
    if (this.connecting !== null) {
      clearTimeout(this.connecting.timer);
      this.connecting.reject(error);
      this.connecting = null;
    }
    if (this.pending !== null) {
      for (const pending of this.pending.values()) {
        clearTimeout(pending.timer);
        pending.reject(error);
      }
      this.pending = null;
    }
    if (wasConnected) this.opts.onClose?.(this.ending ? null : error);
  }
}
