import { setTimeout as sleep } from "node:timers/promises";
import { STATUSES, type Status, topicFor } from "@tillroll/protocol";
import { ConnectGate, withRetry } from "./connect-gate.js";
import { type FleetSimOptions, resolveOptions } from "./fleet-options.js";
import { MqttConnectError } from "./mqtt-lite.js";
import { SimAgent, type SimContext, type SimCounters } from "./sim-agent.js";
import { drawDelay, seedFor } from "./sim-random.js";

export type { FleetSimOptions, FleetSimWorkstation } from "./fleet-options.js";

/**
 * A fleet of simulated workstations in one process, each speaking the real
 * protocol over its own MQTT connection (mqtt-lite.ts): thousands of tills
 * against a real coordinator, for end-to-end tests and benchmarks.
 */

export interface FleetStats {
  connected: number;
  /** Every desired message received, valid or not. */
  desiredReceived: number;
  /** Bad signature, invalid document, or addressed to another workstation. */
  desiredRejected: number;
  /** Verified, but its seq was not above the last applied. */
  desiredStale: number;
  /** Status documents the broker acknowledged. */
  statusesSent: number;
  byStatus: Record<Status, number>;
  /** Simulator bugs (a document our own schema refused); always 0. */
  errors: number;
}

export interface FleetSim {
  connected(): number;
  stats(): FleetStats;
  statusOf(store: string, workstation: string): { status: Status; activeVersion: string | null };
  /** Resolves once `predicate` holds (checked every 50 ms); rejects after `timeoutMs`. */
  waitFor(predicate: (sim: FleetSim) => boolean, timeoutMs: number): Promise<void>;
  /** Destroys every socket at once, without DISCONNECT (an outage); no automatic reconnects. */
  dropAll(): void;
  /** Every disconnected workstation reconnects (bounded by connectConcurrency). */
  reconnectAll(): Promise<void>;
  /** `offline` + DISCONNECT for every workstation; timers stopped, sockets closed. */
  close(): Promise<void>;
}

const RETRY_ATTEMPTS = 3;
const RETRY_BASE_MS = 250;
const BACKOFF_MAX_MS = 30_000;
const POLL_MS = 50;

class Fleet implements FleetSim {
  private readonly agents: SimAgent[] = [];
  private readonly byKey = new Map<string, SimAgent>();
  /** Seeded generator state for each workstation's reconnect jitter. */
  private readonly jitterRng = new Map<SimAgent, number>();
  private readonly backoff = new Map<
    SimAgent,
    { failures: number; timer: NodeJS.Timeout | null }
  >();
  private readonly waiters = new Set<(error: Error) => void>();
  private readonly gate: ConnectGate;
  private readonly counters: SimCounters;
  private readonly reconnectJitterMs: number;
  private autoReconnect = true;
  private epoch = 0;
  private closed = false;

  constructor(options: FleetSimOptions) {
    const resolved = resolveOptions(options);
    this.reconnectJitterMs = resolved.reconnectJitterMs;
    this.gate = new ConnectGate(resolved.connectConcurrency);
    this.counters = {
      connected: 0,
      desiredReceived: 0,
      desiredRejected: 0,
      desiredStale: 0,
      statusesSent: 0,
      byStatus: Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>,
      errors: 0,
      firstError: null,
    };
    const { topicRoot } = resolved;
    const ctx: SimContext = {
      ...resolved.context,
      counters: this.counters,
      onLost: (agent) => this.scheduleReconnect(agent),
    };
    options.workstations.forEach((ws, index) => {
      const ref = { store: ws.store, workstation: ws.workstation };
      topicFor("status", ref, topicRoot); // throws on ids that cannot form a topic
      const id = `${ws.store}/${ws.workstation}`;
      if (this.byKey.has(id)) throw new Error(`workstation ${id} is listed twice`);
      const credentials = { username: ws.username, password: ws.password };
      const rng = seedFor(options.seed, index);
      const agent = new SimAgent(ctx, ref, credentials, options.initialVersion, rng);
      this.agents.push(agent);
      this.byKey.set(id, agent);
      this.jitterRng.set(agent, seedFor(options.seed ^ 0x3c6ef372, index));
    });
  }

  connected(): number {
    return this.counters.connected;
  }

  stats(): FleetStats {
    const { firstError: _, ...counters } = this.counters;
    return { ...counters, byStatus: { ...counters.byStatus } };
  }

  statusOf(store: string, workstation: string) {
    const agent = this.byKey.get(`${store}/${workstation}`);
    if (agent === undefined) throw new Error(`no simulated workstation ${store}/${workstation}`);
    return { status: agent.status, activeVersion: agent.activeVersion };
  }

  waitFor(predicate: (sim: FleetSim) => boolean, timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error("fleet simulator is closed"));
    const deadline = Date.now() + timeoutMs;
    return new Promise<void>((resolve, reject) => {
      const finish = (error: Error | null) => {
        clearInterval(interval);
        this.waiters.delete(finish);
        if (error === null) resolve();
        else reject(error);
      };
      const check = () => {
        try {
          if (predicate(this)) finish(null);
          else if (Date.now() >= deadline) {
            const why = this.counters.firstError === null ? "" : `; ${this.counters.firstError}`;
            finish(new Error(`waitFor: not true after ${timeoutMs} ms; ${this.describe()}${why}`));
          }
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
        }
      };
      const interval = setInterval(check, POLL_MS);
      this.waiters.add(finish);
      check();
    });
  }

  dropAll(): void {
    this.epoch += 1;
    this.autoReconnect = false;
    this.cancelBackoff();
    for (const agent of this.agents) agent.drop();
  }

  reconnectAll(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("fleet simulator is closed"));
    this.autoReconnect = true;
    this.cancelBackoff();
    return this.connectMany(this.agents.filter((agent) => !agent.connected));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new Error("fleet simulator is closed");
    this.gate.close(error);
    this.cancelBackoff();
    for (const finish of [...this.waiters]) finish(error);
    await Promise.all(this.agents.map((agent) => agent.close()));
  }

  /** The first connect of every workstation. */
  connectAll(): Promise<void> {
    return this.connectMany(this.agents);
  }

  /** Connects `agents` through the gate, retrying network errors; names those that failed. */
  private async connectMany(agents: SimAgent[]): Promise<void> {
    const epoch = this.epoch;
    const failures: string[] = [];
    await Promise.all(
      agents.map(async (agent) => {
        const delay = this.jitter(agent);
        if (delay > 0) await sleep(delay);
        try {
          await withRetry(() => this.gate.run(() => agent.connect()), {
            attempts: RETRY_ATTEMPTS,
            baseDelayMs: RETRY_BASE_MS,
            isFinal: (error) => error instanceof MqttConnectError && error.returnCode !== undefined,
            stillWanted: () => !this.closed && this.epoch === epoch,
          });
        } catch (error) {
          failures.push(`${agent.ref.store}/${agent.ref.workstation}: ${(error as Error).message}`);
        }
      }),
    );
    if (failures.length > 0) {
      throw new Error(
        `${failures.length} of ${agents.length} simulated workstations could not connect: ${failures.slice(0, 3).join("; ")}`,
      );
    }
  }

  private jitter(agent: SimAgent): number {
    const max = this.reconnectJitterMs;
    if (max <= 0) return 0;
    const drawn = drawDelay(this.jitterRng.get(agent) ?? 0, max);
    this.jitterRng.set(agent, drawn.state);
    return drawn.ms;
  }

  /** An unexpected connection loss: reconnect with backoff, unless dropped or closed. */
  private scheduleReconnect(agent: SimAgent): void {
    if (this.closed || !this.autoReconnect) return;
    const entry = this.backoff.get(agent) ?? { failures: 0, timer: null };
    if (entry.timer !== null) return;
    const delay = Math.min(BACKOFF_MAX_MS, 1_000 * 2 ** entry.failures) + this.jitter(agent);
    entry.timer = setTimeout(() => {
      entry.timer = null;
      this.gate
        .run(() => agent.connect())
        .then(
          () => this.backoff.delete(agent),
          () => {
            entry.failures += 1;
            this.scheduleReconnect(agent);
          },
        );
    }, delay);
    this.backoff.set(agent, entry);
  }

  private cancelBackoff(): void {
    for (const entry of this.backoff.values()) if (entry.timer !== null) clearTimeout(entry.timer);
    this.backoff.clear();
  }

  private describe(): string {
    const { connected, desiredReceived, desiredRejected, byStatus } = this.counters;
    const statuses = Object.entries(byStatus)
      .filter(([, count]) => count > 0)
      .map(([status, count]) => `${status} ${count}`)
      .join(", ");
    return `${connected}/${this.agents.length} connected, desired ${desiredReceived} (${desiredRejected} rejected), ${statuses}`;
  }
}

/** Creates the fleet and connects every workstation; on any failure closes it again and throws. */
export async function startFleetSim(options: FleetSimOptions): Promise<FleetSim> {
  const fleet = new Fleet(options);
  try {
    await fleet.connectAll();
  } catch (error) {
    await fleet.close();
    throw error;
  }
  return fleet;
}
