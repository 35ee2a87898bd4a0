import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import {
  type BackoffOptions,
  DEFAULT_RECONNECT_BACKOFF,
  reconnectDelay,
} from "./reconnect-backoff.js";

/**
 * The agent's MQTT connection. mqtt.js reconnects on a fixed period, so its
 * own reconnect is switched off (reconnectPeriod 0) and this class schedules
 * attempts with jittered backoff instead. `clean: false` and a stable client
 * id keep the session (and QoS 1 messages queued for us) across reconnects
 * (MQTT 3.1.1 §3.1.2.4).
 */
export interface AgentLinkOptions {
  url: string;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  ca?: Buffer | undefined;
  subscriptions: readonly string[];
  /** Called before every connection attempt: the last will to arm for it. */
  willFor: () => { topic: string; payload: string };
  random: () => number;
  backoff?: BackoffOptions;
  log: (message: string) => void;
}

export interface AgentLinkHandlers {
  onConnect: () => void;
  onDisconnect: () => void;
  onMessage: (topic: string, payload: Buffer, retained: boolean) => void;
}

/**
 * mqtt.js's options for the agent's connection (the will as `willFor` gives it now).
 *
 * `writeCache: false`: by default mqtt-packet pre-builds a 2-byte Buffer for
 * every number 0..65535 on the first packet it writes (65,536 Buffers, about
 * 8 MB resident for as long as the process runs) to save an allocation per
 * packet id; the agent sends a few packets a minute.
 */
export function mqttClientOptions(
  options: Pick<AgentLinkOptions, "clientId" | "username" | "password" | "ca" | "willFor">,
): IClientOptions {
  const will = options.willFor();
  return {
    clientId: options.clientId,
    clean: false,
    protocolVersion: 4,
    keepalive: 30,
    reconnectPeriod: 0,
    connectTimeout: 15_000,
    resubscribe: false,
    writeCache: false,
    will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  };
}

export class AgentLink {
  private client: MqttClient | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Rejecters of publishes sent and not yet acknowledged (PUBACK). */
  private readonly unacknowledged = new Set<(error: Error) => void>();

  constructor(
    private readonly options: AgentLinkOptions,
    private readonly handlers: AgentLinkHandlers,
  ) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const client = mqtt.connect(this.options.url, mqttClientOptions(this.options));
    this.client = client;
    client.on("connect", (connack) => {
      this.attempt = 0;
      this.options.log(
        `mqtt: disconnected -> connected (session present: ${connack.sessionPresent})`,
      );
      // Subscribe on every connect: the broker may have lost our session
      // (an embedded broker keeps sessions in memory only).
      client.subscribe(
        this.options.subscriptions.map((topic) => topic),
        { qos: 1 },
        (error) => {
          if (error) this.options.log(`mqtt: subscribe failed: ${error.message}`);
        },
      );
      this.handlers.onConnect();
    });
    client.on("message", (topic, payload, packet) => {
      this.handlers.onMessage(topic, payload, packet.retain);
    });
    client.on("error", (error) => this.options.log(`mqtt: ${error.message}`));
    client.on("close", () => {
      // A QoS 1 publish whose PUBACK the dropped connection never brought:
      // mqtt.js keeps the packet in its session store but never calls its
      // callback after a reconnect, so the outbox would wait on it forever.
      // Fail it: the outbox sends it again on the next connect (seq makes a
      // duplicate harmless).
      for (const fail of [...this.unacknowledged])
        fail(new Error("connection closed before the broker acknowledged the message"));
      // mqtt.js's own record of them too: `end()` waits until it is empty, so
      // a stale entry kept a graceful stop (SIGTERM) waiting for ever.
      for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
      if (this.stopped) return;
      this.handlers.onDisconnect();
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.timer !== null || this.stopped) return;
    const delay = reconnectDelay(
      this.attempt,
      this.options.random(),
      this.options.backoff ?? DEFAULT_RECONNECT_BACKOFF,
    );
    this.attempt += 1;
    this.options.log(`mqtt: connected -> reconnecting in ${delay} ms (attempt ${this.attempt})`);
    this.timer = setTimeout(() => {
      this.timer = null;
      const client = this.client;
      if (client === null || this.stopped) return;
      const will = this.options.willFor();
      client.options.will = {
        topic: will.topic,
        payload: Buffer.from(will.payload),
        qos: 1,
        retain: true,
      };
      client.reconnect();
    }, delay);
  }

  /** Publishes with QoS 1; resolves once the broker acknowledged it (PUBACK). */
  publish(topic: string, payload: string, retain: boolean): Promise<void> {
    const client = this.client;
    if (client === null || !client.connected) return Promise.reject(new Error("not connected"));
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        this.unacknowledged.delete(fail);
        reject(error);
      };
      this.unacknowledged.add(fail);
      client.publish(topic, payload, { qos: 1, retain }, (error) => {
        this.unacknowledged.delete(fail);
        if (error) reject(error);
        else resolve();
      });
    });
  }

  /** Closes the connection; with `graceful` false the last will fires (as on a crash). */
  async stop(graceful = true): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    if (client === null) return;
    await client.endAsync(!graceful);
  }
}
