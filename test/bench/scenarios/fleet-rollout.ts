import { setTimeout as sleep } from "node:timers/promises";
import type { ServiceRow } from "@tillroll/coordinator";
import { STATUSES } from "@tillroll/protocol";
import type { FleetWorld } from "./fleet-world.js";

/**
 * A rollout over a FleetWorld as the rollout and release scenarios time it:
 * from the operator's request until the coordinator shows every simulated
 * till OK on the new version.
 */

/** Simulated install time of every rollout scenario: seeded, 0–200 ms per till. */
export const INSTALL_MS = { min: 0, max: 200 };

export interface WaitAllOkOptions {
  version: string;
  /** Rows of pos-client that must be OK on `version`. */
  count: number;
  /** performance.now() when the timed work began; the deadline counts from it. */
  since: number;
  timeoutMs: number;
  /** How often the coordinator is asked. */
  pollMs: number;
  /** Names the wait in the error after the deadline. */
  label: string;
  /**
   * Given: first wait, in this process and without asking the coordinator,
   * until each of these simulated tills has reported OK on `version`; then
   * ask the coordinator first only for the pos-client rows not OK (few by
   * then, unless it lags behind; then it is asked less often), and for the
   * full count of OK rows only once there are none. A
   * poll that answers 10,000 rows costs the coordinator tens of
   * milliseconds; this way the poll neither loads it while the fleet updates
   * nor is what the time measures.
   */
  simulated?: readonly { store: string; workstation: string }[];
  /**
   * Any other condition of done on the coordinator's side (a release's
   * state), asked only once the rows are all OK; it may throw to stop the
   * wait (the release failed).
   */
  alsoDone?: () => Promise<boolean>;
}

const SIM_CHECK_MS = 20;
const NOT_OK = STATUSES.filter((status) => status !== "OK").join(",");

/** pos-client rows the coordinator shows OK on `version`. */
export async function okCount(world: FleetWorld, version: string): Promise<number> {
  const rows = await world.api<ServiceRow[]>(
    "GET",
    `/api/status?function=pos-client&active-version=${version}&status=OK`,
  );
  return rows.length;
}

/** pos-client rows the coordinator shows in any status but OK. */
async function notOkCount(world: FleetWorld): Promise<number> {
  const rows = await world.api<ServiceRow[]>(
    "GET",
    `/api/status?function=pos-client&status=${encodeURIComponent(NOT_OK)}`,
  );
  return rows.length;
}

/**
 * Resolves once the coordinator shows `count` rows OK on the version (and
 * alsoDone holds), with when (ms since `since`) the simulated tills were all
 * OK by their own account (null without `simulated`): the gap to the end is
 * the coordinator's lag in ingesting the last statuses plus the poll.
 */
export async function waitAllOk(
  world: FleetWorld,
  options: WaitAllOkOptions,
): Promise<{ simulatorMs: number | null }> {
  const deadline = options.since + options.timeoutMs;
  const late = (done: string) =>
    new Error(`${options.label}: ${done} after ${(options.timeoutMs / 1000).toFixed(0)} s`);
  let simulatorMs: number | null = null;
  if (options.simulated !== undefined) {
    const tills = options.simulated;
    const allOk = () =>
      tills.every((id) => {
        const s = world.sim.statusOf(id.store, id.workstation);
        return s.status === "OK" && s.activeVersion === options.version;
      });
    while (!allOk()) {
      if (performance.now() > deadline) throw late("the simulated tills are not all OK");
      await sleep(SIM_CHECK_MS);
    }
    simulatorMs = performance.now() - options.since;
  }
  let done = 0;
  let notOk = 0;
  for (;;) {
    if (performance.now() > deadline) throw late(`only ${done}/${options.count} OK`);
    // While the coordinator still has many rows to catch up on, each answer is large: ask less
    // often (+1 ms per 10 rows left, at most 1 s), and every pollMs again near the end.
    await sleep(Math.min(1_000, options.pollMs + notOk / 10));
    if (options.simulated !== undefined) {
      notOk = await notOkCount(world);
      if (notOk > 0) continue;
    }
    done = await okCount(world, options.version);
    if (done === options.count && (options.alsoDone === undefined || (await options.alsoDone())))
      return { simulatorMs };
  }
}

export interface TimedRollout {
  /** From the request until every row is OK on the version. */
  ms: number;
  /** How long set-preferred took to answer (while the fleet already reacts). */
  acceptedMs: number;
  /** Until the answer's head arrived (the rest of acceptedMs is its body). */
  headersMs: number;
  answerBytes: number;
  changed: number;
  /** When every simulated till had reported OK on the version (null when not waited on). */
  simulatorMs: number | null;
}

/** `POST /api/set-preferred` for the whole fleet, timed until all `count` rows are OK on `version`. */
export async function timedSetPreferred(
  world: FleetWorld,
  version: string,
  count: number,
  wait: Pick<WaitAllOkOptions, "pollMs" | "simulated">,
): Promise<TimedRollout> {
  const t0 = performance.now();
  const changed = await world.setPreferred(version);
  const acceptedMs = performance.now() - t0;
  const { simulatorMs } = await waitAllOk(world, {
    ...wait,
    version,
    count,
    since: t0,
    timeoutMs: 300_000,
    label: `set-preferred ${version}`,
  });
  return {
    ms: performance.now() - t0,
    acceptedMs,
    headersMs: changed.headersMs,
    answerBytes: changed.bytes,
    changed: changed.changed,
    simulatorMs,
  };
}
