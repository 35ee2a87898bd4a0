import type { AgentConfig } from "@tillroll/protocol";
import { DEFAULT_STOP_GRACE_MS } from "../process/process-supervisor.js";
import { DEFAULT_KILL_GRACE_MS } from "../process/run-command.js";

/**
 * How long an update may stay In Progress before it has ended (OK, Rolled
 * Back or Failed), in seconds: the console cannot skip or retry a till that is
 * In Progress, so every step has its own timeout and their sum is a promise.
 * The longest path is a download, the readiness probes (four times, see
 * below), the POS's acknowledgement grace, both hooks, a stop, a start and a failed
 * health check of the new release, then the rollback's stop, start and health
 * check of the old one. Extracting the pack is local work capped by
 * `limits` and not counted. README (the agent section) states this sum.
 */
export interface BoundInput {
  timeouts: AgentConfig["timeouts"];
  /**
   * The readiness probes: command probes run (each to its timeout) while the
   * update is In Progress, four times: await-ready, the drain before and after
   * the POS's acknowledgement, and once more after the beforeInstall hook.
   */
  readiness: AgentConfig["readiness"];
  /** The drain's wait for the POS's acknowledgement (absent: 0). */
  posAckGraceSeconds?: number;
  serviceManager: AgentConfig["serviceManager"];
  /** `service.health.timeoutSeconds` of the new and the old release (0 without a check). */
  newHealthSeconds: number;
  oldHealthSeconds: number;
}

/**
 * A command (hook, stop, health) ends by itself or at its timeout; then its
 * group gets SIGTERM, the grace, SIGKILL and up to 5 s more, and its output
 * up to 1 s to drain.
 */
const COMMAND_KILL_SECONDS = (DEFAULT_KILL_GRACE_MS + 5_000 + 1_000) / 1000;
/** After the stop command: the wait for the group to go, then SIGTERM grace and SIGKILL wait. */
const STOP_EXTRA_SECONDS = (2 * DEFAULT_STOP_GRACE_MS + 5_000) / 1000 + COMMAND_KILL_SECONDS;
/** One `systemctl start`; the process manager's start is a spawn. */
const SYSTEMD_START_SECONDS = 120;
/** Each health attempt is capped by the time left, so only the last one's clean-up runs over. */
const HEALTH_EXTRA_SECONDS = COMMAND_KILL_SECONDS;

export function inProgressBoundSeconds(input: BoundInput): number {
  const { timeouts } = input;
  const hook = timeouts.hookSeconds + COMMAND_KILL_SECONDS;
  const stop = timeouts.stopSeconds + STOP_EXTRA_SECONDS;
  const start = input.serviceManager === "systemd" ? SYSTEMD_START_SECONDS : 0;
  const health = (seconds: number) => (seconds > 0 ? seconds + HEALTH_EXTRA_SECONDS : 0);
  const readinessOnce = input.readiness.reduce(
    (sum, probe) =>
      sum + (probe.type === "command" ? probe.timeoutSeconds + COMMAND_KILL_SECONDS : 0),
    0,
  );
  return (
    timeouts.downloadSeconds +
    4 * readinessOnce +
    (input.posAckGraceSeconds ?? 0) +
    2 * hook +
    2 * stop +
    2 * start +
    health(input.newHealthSeconds) +
    health(input.oldHealthSeconds)
  );
}
