import { type DesiredService, windowWaitReason } from "@tillroll/protocol";
import { isCancellable, type ServiceRecord } from "./journal.js";
import { windowWait } from "./window-gate.js";

/**
 * What to do next for one service: a pure function of the desired state,
 * the local record and the time (in coordinator time). The engine carries
 * the decision out; tests check every case in a table.
 */
export type ServicePlan =
  /** Nothing to do: the record already answers the desired state. */
  | { kind: "idle" }
  /** No update wanted ("-" or not listed): report it, keep the version running. */
  | { kind: "clear"; status: "OK" | "Failed" }
  /** The active version already is the preferred one: answer the request with OK. */
  | { kind: "already-active"; requestId: string; version: string }
  /**
   * An update was asked for but may not start yet: until its valid-from
   * (reason null) or its maintenance window's next usable opening (reason
   * "waiting for the maintenance window (opens 02:00 Europe/Berlin)").
   * `until` is coordinator time.
   */
  | { kind: "wait"; until: number; requestId: string; reason: string | null }
  /** Start the update now; `redeploy`: reinstall the active version into a new folder. */
  | { kind: "begin"; requestId: string; redeploy: boolean }
  /** A job is under way for this request: keep it going. */
  | { kind: "continue" }
  /** A job for an older request has not touched the service yet: drop it, then plan again. */
  | { kind: "cancel"; reason: string }
  /** A job for an older request is past the point of no return: finish it first. */
  | { kind: "finish-first" };

export interface PlanOptions {
  /** Agent config minWindowMinutes: the least window time an install starts with. */
  minWindowMinutes: number;
}

const DEFAULT_OPTIONS: PlanOptions = { minWindowMinutes: 15 };

export function planService(
  desired: DesiredService | undefined,
  record: ServiceRecord | undefined,
  coordinatorNow: number,
  options: PlanOptions = DEFAULT_OPTIONS,
): ServicePlan {
  const wanted = desired?.preferredVersion ?? null;
  const job = record?.job ?? null;

  if (job !== null) {
    if (wanted !== null && desired?.requestId === job.requestId) return { kind: "continue" };
    if (!isCancellable(job.step)) return { kind: "finish-first" };
    return {
      kind: "cancel",
      reason:
        wanted === null
          ? "update skipped: preferred version set to -"
          : `superseded by request ${desired?.requestId}`,
    };
  }

  if (wanted === null || desired === undefined) {
    // Choosing "-" does not make a Failed service healthy: it stays Failed
    // until an update succeeds (see the status model).
    const status = record?.status === "Failed" ? "Failed" : "OK";
    if (record !== undefined && record.status === status && record.preferredVersion === null)
      return { kind: "idle" };
    if (record === undefined) return { kind: "idle" };
    return { kind: "clear", status };
  }

  const requestId = desired.requestId ?? "";
  // The same request again (a duplicate delivery, a restart): it has been
  // answered already, whatever the outcome. Only a new requestId retries.
  if (record !== undefined && record.requestId === requestId && record.status !== "Prepared")
    return { kind: "idle" };

  // A redeploy reinstalls the active version (a new request: the check
  // above already answered a repeated one); otherwise there is nothing to do.
  const redeploy = desired.redeploy === true && record?.activeVersion === wanted;
  if (record?.activeVersion === wanted && !redeploy)
    return { kind: "already-active", requestId, version: wanted };

  // valid-from and the window combine: the start is the first instant both allow.
  const validFrom = desired.validFrom === null ? null : Date.parse(desired.validFrom);
  const earliest = validFrom !== null && validFrom > coordinatorNow ? validFrom : coordinatorNow;
  const window = desired.window ?? null;
  if (window !== null) {
    const wait = windowWait(window, earliest, options.minWindowMinutes);
    if (wait !== null) {
      // Described from now, not from valid-from: "opens 02:00" means today here.
      const reason = windowWaitReason(window, wait.opensAt, coordinatorNow);
      return { kind: "wait", until: wait.opensAt, requestId, reason };
    }
  }
  if (earliest > coordinatorNow) return { kind: "wait", until: earliest, requestId, reason: null };
  return { kind: "begin", requestId, redeploy };
}
