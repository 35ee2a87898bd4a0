import { execFile } from "node:child_process";
import type { ServiceManager, ServiceRelease } from "./service-manager.js";

/** Outcome of one `systemctl` call. */
export interface SystemctlResult {
  /** null if systemctl could not be run or was killed. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `systemctl` with the given arguments; injectable so tests need no systemd. */
export type SystemctlRunner = (args: readonly string[]) => Promise<SystemctlResult>;

export interface SystemdServiceManagerOptions {
  runner?: SystemctlRunner;
  /** Unit for a function whose descriptor names none; defaults to `<fn>.service`. */
  unitFor?: (fn: string) => string;
}

/** How long one `systemctl` call may take (systemd's own default start timeout is 90 s). */
const SYSTEMCTL_TIMEOUT_MS = 120_000;

/** Runs the real `systemctl`; never rejects, failures come back as a result. */
export const execSystemctl: SystemctlRunner = (args) =>
  new Promise((resolve) => {
    execFile(
      "systemctl",
      [...args],
      { timeout: SYSTEMCTL_TIMEOUT_MS, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        const exitCode = error === null ? 0 : typeof code === "number" ? code : null;
        resolve({ exitCode, stdout, stderr: stderr || (error?.message ?? "") });
      },
    );
  });

/**
 * Leaves supervision to systemd. `isRunning` reports the last known state
 * (from start/stop/isActive) because the interface is synchronous; call
 * `isActive` to ask systemd.
 */
export class SystemdServiceManager implements ServiceManager {
  readonly #runner: SystemctlRunner;
  readonly #unitFor: (fn: string) => string;
  /** Unit each function was last started under, so stop hits the same unit. */
  readonly #units = new Map<string, string>();
  readonly #active = new Set<string>();

  constructor(options: SystemdServiceManagerOptions = {}) {
    this.#runner = options.runner ?? execSystemctl;
    this.#unitFor = options.unitFor ?? ((fn) => `${fn}.service`);
  }

  async start(fn: string, release: ServiceRelease): Promise<void> {
    const unit = checkUnit(release.unit ?? this.#unitFor(fn));
    this.#units.set(fn, unit);
    await this.#systemctl("start", unit);
    this.#active.add(fn);
  }

  async stop(fn: string): Promise<void> {
    const unit = checkUnit(this.#units.get(fn) ?? this.#unitFor(fn));
    await this.#systemctl("stop", unit);
    this.#active.delete(fn);
  }

  isRunning(fn: string): boolean {
    return this.#active.has(fn);
  }

  /** systemd knows the unit's main pid; the agent does not track it. */
  pid(_fn: string): number | undefined {
    return undefined;
  }

  readonly supportsHandOver = false;

  startNext(fn: string, _release: ServiceRelease): Promise<void> {
    return Promise.reject(handOverUnsupported(fn));
  }

  promoteNext(fn: string): Promise<void> {
    return Promise.reject(handOverUnsupported(fn));
  }

  /** Nothing can have been started beside the unit, so there is nothing to stop. */
  async stopNext(_fn: string): Promise<void> {}

  nextPid(_fn: string): number | undefined {
    return undefined;
  }

  /** systemd kept the unit running and supervised while the agent was away: nothing to take over. */
  async adopt(_fn: string, _release: ServiceRelease | null): Promise<string[]> {
    return [];
  }

  /** systemd keeps supervising the units; the agent leaving changes nothing for them. */
  async detach(): Promise<void> {}

  /** Asks systemd whether the function's unit is active and remembers the answer. */
  async isActive(fn: string): Promise<boolean> {
    const unit = checkUnit(this.#units.get(fn) ?? this.#unitFor(fn));
    // is-active exits non-zero for every state but "active"; that is an answer, not an error.
    const result = await this.#runner(["is-active", unit]);
    const active = result.exitCode === 0;
    if (active) this.#active.add(fn);
    else this.#active.delete(fn);
    return active;
  }

  async #systemctl(verb: "start" | "stop", unit: string): Promise<void> {
    const result = await this.#runner([verb, unit]);
    if (result.exitCode !== 0) {
      const detail = result.stderr.trim() || `exit code ${result.exitCode ?? "none"}`;
      throw new Error(`systemctl ${verb} ${unit} failed: ${detail}`);
    }
  }
}

function handOverUnsupported(fn: string): Error {
  return new Error(
    `${fn}: hand-over is not supported under systemd (one unit runs one instance); use stop-start`,
  );
}

/**
 * Unit names come from descriptors; one starting with "-" would be read as a
 * systemctl option, and odd characters are never part of a real unit name.
 */
function checkUnit(unit: string): string {
  if (!/^[A-Za-z0-9:_.@\\][A-Za-z0-9:_.@\\-]*$/.test(unit)) {
    throw new Error(`invalid systemd unit name: ${JSON.stringify(unit)}`);
  }
  return unit;
}
