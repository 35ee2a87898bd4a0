/**
 * What the self-update steps need from the running agent process. Present
 * only when the agent runs as a daemon from the CLI (in-process test agents
 * have none, and then a `tillroll-agent` update is refused with a reason).
 */
export interface SelfUpdateHost {
  /** The config file this agent was started with: the probe of a new release reads it too. */
  configPath: string;
  /** The release folder this agent runs from (null: not from `<root>/tillroll-agent`). */
  runningRelease: string | null;
  /** How long a new agent must have run, connected, before it confirms itself. */
  confirmSeconds: number;
  /**
   * Longest a new agent waits to confirm (no broker connection, say) before it
   * gives up: then it exits with SELF_UNCONFIRMED_EXIT_CODE, which the
   * launcher counts like a crash, and after its failure limit goes back.
   */
  confirmTimeoutSeconds: number;
  /** Longest a probe (`self-test`) of a new release may take. */
  probeTimeoutMs: number;
  /** Local time (ms) this agent process started. */
  startedAt: number;
  /** Whether the MQTT link is up now. */
  connected(): boolean;
  /**
   * Stop reconciling, close the link and exit with SELF_RESTART_EXIT_CODE, so
   * the launcher runs whatever `current` now points at. Services keep running.
   */
  requestRestart(reason: string): void;
  /**
   * Stop like requestRestart, but exit with SELF_UNCONFIRMED_EXIT_CODE: this
   * new agent could not confirm itself in time.
   */
  giveUp(reason: string): void;
}

/** Defaults of the CLI (README "The agent updates itself"; env overrides are for tests). */
export const DEFAULT_CONFIRM_SECONDS = 5;
export const DEFAULT_CONFIRM_TIMEOUT_SECONDS = 120;
export const DEFAULT_PROBE_TIMEOUT_MS = 30_000;
