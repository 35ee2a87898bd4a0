import {
  decodeDesired,
  encodePayload,
  type PayloadOf,
  type Status,
  type TrustedKeys,
  topicFor,
  type WorkstationRef,
} from "@tillroll/protocol";
import { LiteMqttClient } from "./mqtt-lite.js";
import {
  initialState,
  nextSeq,
  onDesired,
  onWake,
  presenceDocument,
  type SimConfig,
  type SimState,
  statusDocument,
} from "./sim-workstation.js";

/**
 * The I/O around one simulated workstation: its MQTT connection, its timer
 * and its seq counter. Every decision is sim-workstation.ts's; this file only
 * carries them out. Status documents made while disconnected are not queued:
 * the whole current status goes out again on the next connect (state, not
 * events).
 */

export interface SimCounters {
  connected: number;
  desiredReceived: number;
  desiredRejected: number;
  desiredStale: number;
  statusesSent: number;
  byStatus: Record<Status, number>;
  errors: number;
  firstError: string | null;
}

/** What all workstations of one fleet share (one object per fleet, never module state). */
export interface SimContext {
  host: string;
  port: number;
  topicRoot: string;
  config: SimConfig;
  keys: TrustedKeys;
  keepaliveSeconds: number;
  timeoutMs: number;
  counters: SimCounters;
  /** The connection dropped without the simulator asking for it. */
  onLost(agent: SimAgent, error: Error): void;
}

export interface SimCredentials {
  username?: string | undefined;
  password?: string | undefined;
}

/** Longest setTimeout delay node accepts; later wake-ups are re-checked when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class SimAgent {
  private client: LiteMqttClient | null = null;
  private generation = 0;
  private handshaking = false;
  private connecting: Promise<void> | null = null;
  private counted = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private state: SimState;
  private readonly desiredTopic: string;

  constructor(
    private readonly ctx: SimContext,
    readonly ref: WorkstationRef,
    private readonly credentials: SimCredentials,
    initialVersion: string | null,
    rng: number,
  ) {
    this.desiredTopic = topicFor("desired", ref, ctx.topicRoot);
    this.state = initialState(initialVersion, rng, Date.now());
    ctx.counters.byStatus[this.state.service.status] += 1;
  }

  get status(): Status {
    return this.state.service.status;
  }

  get activeVersion(): string | null {
    return this.state.service.activeVersion;
  }

  get connected(): boolean {
    return this.client?.connected === true && !this.handshaking;
  }

  /**
   * CONNECT with the `offline` will (its seq reserved above the `online` one),
   * then `online`, the whole status and the subscription to our desired
   * topic, pipelined. Resolves when all are acknowledged.
   */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.name()}: closed`));
    if (this.client !== null && !this.handshaking) return Promise.resolve();
    this.connecting ??= this.handshake().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async handshake(): Promise<void> {
    const now = Date.now();
    const onlineSeq = this.takeSeq(now);
    const willSeq = this.takeSeq(now);
    const presenceTopic = topicFor("presence", this.ref, this.ctx.topicRoot);
    const generation = ++this.generation;
    const client = LiteMqttClient.open({
      host: this.ctx.host,
      port: this.ctx.port,
      clientId: `agent.${this.ref.store}.${this.ref.workstation}`,
      username: this.credentials.username,
      password: this.credentials.password,
      clean: false,
      keepaliveSeconds: this.ctx.keepaliveSeconds,
      will: {
        topic: presenceTopic,
        payload: this.encode("presence", presenceDocument("offline", willSeq, now)),
        qos: 1,
        retain: true,
      },
      connectTimeoutMs: this.ctx.timeoutMs,
      ackTimeoutMs: this.ctx.timeoutMs,
      onMessage: (topic, payload) => this.onMessage(topic, payload),
      onClose: (error) => {
        if (generation === this.generation) this.onClose(error);
      },
    });
    this.client = client;
    this.handshaking = true;
    try {
      await client.ready;
      this.counted = true;
      this.ctx.counters.connected += 1;
      const online = this.encode("presence", presenceDocument("online", onlineSeq, now));
      await Promise.all([
        client.publish(presenceTopic, online, true),
        this.publishStatus(),
        client.subscribe(this.desiredTopic, 1),
      ]);
    } catch (error) {
      client.destroy();
      if (this.client === client) this.client = null;
      throw error;
    } finally {
      this.handshaking = false;
    }
  }

  /** Drops the socket without DISCONNECT (an outage): the broker publishes `offline`. */
  drop(): void {
    this.client?.destroy();
  }

  /** Publishes `offline`, then DISCONNECT; stops the timer. Bounded. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    if (client === null) return;
    if (client.connected) {
      const presenceTopic = topicFor("presence", this.ref, this.ctx.topicRoot);
      const offline = presenceDocument("offline", this.takeSeq(Date.now()), Date.now());
      await client.publish(presenceTopic, this.encode("presence", offline), true).catch(() => {});
    }
    await client.end();
  }

  private onClose(error: Error | null): void {
    this.client = null;
    if (this.counted) this.ctx.counters.connected -= 1;
    this.counted = false;
    if (error !== null && !this.closed && !this.handshaking) this.ctx.onLost(this, error);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic !== this.desiredTopic) return;
    const counters = this.ctx.counters;
    counters.desiredReceived += 1;
    const decoded = decodeDesired(payload, this.ctx.keys);
    if (!decoded.ok) {
      counters.desiredRejected += 1;
      return;
    }
    const decision = onDesired(this.state, decoded.value, this.ref, this.ctx.config, Date.now());
    if (decision.verdict === "foreign") counters.desiredRejected += 1;
    else if (decision.verdict === "stale") counters.desiredStale += 1;
    else this.apply(decision.state, decision.changed);
  }

  private wake(): void {
    this.timer = null;
    const decision = onWake(this.state, this.ref, this.ctx.config, Date.now());
    this.apply(decision.state, decision.changed);
  }

  private apply(next: SimState, changed: boolean): void {
    const before = this.state.service.status;
    this.state = next;
    const byStatus = this.ctx.counters.byStatus;
    byStatus[before] -= 1;
    byStatus[next.service.status] += 1;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (next.wakeAt !== null && !this.closed) {
      const delay = Math.min(MAX_TIMER_MS, Math.max(0, next.wakeAt - Date.now()));
      this.timer = setTimeout(() => this.wake(), delay);
    }
    if (changed) this.publishStatus().catch(() => {});
  }

  /** The whole status now; skipped while disconnected (sent again on connect). */
  private async publishStatus(): Promise<void> {
    const client = this.client;
    if (client === null || this.closed) return;
    const now = Date.now();
    const { config, topicRoot, counters } = this.ctx;
    const doc = statusDocument(this.state, this.ref, config.functionName, this.takeSeq(now), now);
    const payload = this.encode("status", doc);
    await client.publish(topicFor("status", this.ref, topicRoot), payload, true);
    counters.statusesSent += 1;
  }

  private encode<K extends "status" | "presence">(kind: K, doc: PayloadOf<K>): string {
    const encoded = encodePayload(kind, doc);
    if (encoded.ok) return encoded.value;
    // A simulator bug, never the network's: count it and say it loudly.
    const message = `${this.name()}: ${kind} document refused: ${encoded.error}`;
    this.ctx.counters.errors += 1;
    this.ctx.counters.firstError ??= message;
    throw new Error(message);
  }

  private takeSeq(nowMs: number): number {
    this.seq = nextSeq(this.seq, nowMs);
    return this.seq;
  }

  private name(): string {
    return `${this.ref.store}/${this.ref.workstation}`;
  }
}
