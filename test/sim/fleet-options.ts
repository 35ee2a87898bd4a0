import {
  DEFAULT_TOPIC_ROOT,
  parsePublicKey,
  type TrustedKeys,
  trustedKeys,
  validateTopicRoot,
} from "@tillroll/protocol";
import type { SimConfig } from "./sim-workstation.js";

/**
 * What a fleet simulation is started with, its defaults, and the checks that
 * turn a mistake in a test's options into a clear error before any socket
 * opens.
 */

export interface FleetSimWorkstation {
  store: string;
  workstation: string;
  username?: string;
  password?: string;
}

export interface FleetSimOptions {
  /** `mqtt://127.0.0.1:PORT`; only the loopback address is accepted. */
  brokerUrl: string;
  topicRoot?: string;
  /** The coordinator's public key, `ed25519:…`; desired documents must verify with it. */
  coordinatorKey: string;
  workstations: FleetSimWorkstation[];
  /** Default `pos-client`. */
  functionName?: string;
  initialVersion: string | null;
  seed: number;
  /** Simulated install time; default 200–800 ms. */
  installMs?: { min: number; max: number };
  /** Share (0–1) of requests that meet a logged-in user first; default 0. */
  notReadyShare?: number;
  /** How long those stay Not Ready; default 2000 ms. */
  notReadyMs?: number;
  /** Share (0–1) of requests that fail their health check (Rolled Back); default 0. */
  failureShare?: number;
  /** CONNECT handshakes in flight at once; default 200. */
  connectConcurrency?: number;
  /** Default 60. */
  keepaliveSeconds?: number;
  /**
   * Each reconnect first waits a seeded random 0..reconnectJitterMs ms (default 0:
   * reconnectAll() is a storm). Reconnects after an unexpected connection loss
   * also back off: 1 s, 2 s, … up to 30 s.
   */
  reconnectJitterMs?: number;
  /** Bound on every CONNACK, PUBACK and SUBACK; default 10 s. */
  timeoutMs?: number;
}

/** The options with defaults applied and checked. */
export interface ResolvedOptions {
  topicRoot: string;
  connectConcurrency: number;
  reconnectJitterMs: number;
  /** The parts of every workstation's SimContext that come from the options. */
  context: {
    host: string;
    port: number;
    topicRoot: string;
    config: SimConfig;
    keys: TrustedKeys;
    keepaliveSeconds: number;
    timeoutMs: number;
  };
}

function loopback(brokerUrl: string): { host: string; port: number } {
  const url = new URL(brokerUrl);
  if (url.protocol !== "mqtt:")
    throw new Error(`brokerUrl ${brokerUrl}: only mqtt:// is supported`);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") {
    throw new Error(`brokerUrl ${brokerUrl}: the simulator connects to 127.0.0.1 only`);
  }
  return { host: "127.0.0.1", port: url.port === "" ? 1883 : Number(url.port) };
}

function share(name: string, value: number | undefined): number {
  const checked = value ?? 0;
  if (!(checked >= 0 && checked <= 1)) throw new RangeError(`${name} must be 0..1, got ${value}`);
  return checked;
}

function atLeast(name: string, value: number, min: number): number {
  if (!(Number.isFinite(value) && value >= min)) {
    throw new RangeError(`${name} must be a number >= ${min}, got ${value}`);
  }
  return value;
}

export function resolveOptions(options: FleetSimOptions): ResolvedOptions {
  const { host, port } = loopback(options.brokerUrl);
  const topicRoot = options.topicRoot ?? DEFAULT_TOPIC_ROOT;
  const root = validateTopicRoot(topicRoot);
  if (!root.ok) throw new Error(root.error);
  const key = parsePublicKey(options.coordinatorKey);
  if (!key.ok) throw new Error(`coordinatorKey: ${key.error}`);
  const installMs = options.installMs ?? { min: 200, max: 800 };
  if (!(installMs.min >= 0 && installMs.max >= installMs.min)) {
    throw new RangeError(`installMs must have 0 <= min <= max, got ${JSON.stringify(installMs)}`);
  }
  return {
    topicRoot,
    connectConcurrency: options.connectConcurrency ?? 200,
    reconnectJitterMs: atLeast("reconnectJitterMs", options.reconnectJitterMs ?? 0, 0),
    context: {
      host,
      port,
      topicRoot,
      config: {
        functionName: options.functionName ?? "pos-client",
        installMs,
        notReadyShare: share("notReadyShare", options.notReadyShare),
        notReadyMs: atLeast("notReadyMs", options.notReadyMs ?? 2_000, 1),
        failureShare: share("failureShare", options.failureShare),
      },
      keys: trustedKeys(key.value),
      keepaliveSeconds: atLeast("keepaliveSeconds", options.keepaliveSeconds ?? 60, 0),
      timeoutMs: atLeast("timeoutMs", options.timeoutMs ?? 10_000, 1),
    },
  };
}
