import {
  ProcessServiceManager,
  type ProcessServiceManagerOptions,
} from "./process-service-manager.js";
import type { SupervisedRelease } from "./process-supervisor.js";
import {
  SystemdServiceManager,
  type SystemdServiceManagerOptions,
} from "./systemd-service-manager.js";

// Re-exported: callers configure and build managers from this one module.
export * from "./process-service-manager.js";
export * from "./systemd-service-manager.js";

/** A release as the service managers see it; paths relative to `cwd`. */
export interface ServiceRelease extends SupervisedRelease {
  /** systemd unit from the descriptor; overrides the configured naming rule. */
  unit?: string;
}

/**
 * Starts and stops a function's service, whatever actually runs it. The
 * installer only talks to this interface, so rollback logic is the same for
 * tills where the agent supervises processes itself and tills that use systemd.
 */
export interface ServiceManager {
  /** Resolves once the service was started; rejects if it could not be. */
  start(fn: string, release: ServiceRelease): Promise<void>;
  /** Resolves once the service is stopped; a function that is not running is fine. */
  stop(fn: string): Promise<void>;
  isRunning(fn: string): boolean;
  /** Pid of the current instance's process (group leader), if known. */
  pid(fn: string): number | undefined;

  /** Whether the *Next calls below work; false: the engine falls back to stop-start. */
  readonly supportsHandOver: boolean;
  /**
   * Starts a second instance of `fn` from `release` beside the current one
   * (hand-over). Resolves once it was started; rejects if it could not be,
   * or if a next instance of another release already runs.
   */
  startNext(fn: string, release: ServiceRelease): Promise<void>;
  /**
   * Stops the current instance, then the next one becomes current. Rejects
   * (changing nothing) if there is no next instance or it is not running.
   */
  promoteNext(fn: string): Promise<void>;
  /** Stops the next instance; the current one is left alone. No next instance is fine. */
  stopNext(fn: string): Promise<void>;
  nextPid(fn: string): number | undefined;

  /**
   * At agent start, before anything else touches `fn`: takes over a copy of
   * the service an earlier agent run left running, if it runs `release` (the
   * `current` release; null: none), and ends every other leftover copy.
   * Returns what it did, for the log.
   */
  adopt(fn: string, release: ServiceRelease | null): Promise<string[]>;

  /**
   * Stops supervising without stopping anything: the agent is going away and
   * its services run on for the next agent run to adopt.
   */
  detach(): Promise<void>;
}

/** Who runs a function's service on this till. */
export type ServiceExecutor = "process" | "systemd";

export interface ServiceManagerConfig {
  process?: ProcessServiceManagerOptions;
  systemd?: SystemdServiceManagerOptions;
}

/** Keyed by every executor, so adding one to the union fails to compile until it is handled here. */
const serviceManagerFactories: {
  readonly [K in ServiceExecutor]: (config: ServiceManagerConfig) => ServiceManager;
} = Object.freeze({
  process: (config: ServiceManagerConfig) => new ProcessServiceManager(config.process),
  systemd: (config: ServiceManagerConfig) => new SystemdServiceManager(config.systemd),
});

export function createServiceManager(
  executor: ServiceExecutor,
  config: ServiceManagerConfig = {},
): ServiceManager {
  return serviceManagerFactories[executor](config);
}
