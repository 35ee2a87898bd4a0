/**
 * The status of a flow service and what an operator may do with it, as pure
 * functions. The six statuses and their rules come from the seeds' Status
 * Overview: In Progress locks the preferred version; Prepared can be skipped
 * with "-"; Retry is offered for Failed, Rolled Back and Not Ready and puts
 * the service back to Prepared.
 */

export const STATUSES = [
  "OK",
  "Prepared",
  "In Progress",
  "Not Ready",
  "Rolled Back",
  "Failed",
] as const;
export type Status = (typeof STATUSES)[number];

/** Where an In Progress update is. */
export const PHASES = [
  "downloading",
  "extracting",
  "installing",
  "stopping",
  "starting",
  "health-check",
  "rolling-back",
  // Issue 13: what the agent does before it stops anything.
  "checking", // readiness checks (await-ready)
  "draining", // notices countdown and the POS's maintenance handshake
] as const;
export type Phase = (typeof PHASES)[number];

export const ACTION_KINDS = ["set-preferred", "skip", "retry"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** `skip` is choosing "-" (no update planned); `set-preferred` names a version. */
export type OperatorAction =
  | { kind: "set-preferred"; version: string }
  | { kind: "skip" }
  | { kind: "retry" };

export interface ServiceState {
  status: Status;
  preferredVersion: string | null;
}

export type ActionOutcome =
  | { allowed: true; status: Status; preferredVersion: string | null; newRequest: boolean }
  | { allowed: false; reason: string };

function refuse(reason: string): ActionOutcome {
  return { allowed: false, reason };
}

/**
 * What `action` turns `state` into, or why it is refused. `newRequest` says
 * whether the coordinator must issue a new requestId (so the agent treats it
 * as a fresh request even when the version did not change).
 */
export function applyAction(state: ServiceState, action: OperatorAction): ActionOutcome {
  if (state.status === "In Progress") {
    return refuse(
      "the update is In Progress: its preferred version cannot be changed until it ends",
    );
  }
  switch (action.kind) {
    case "set-preferred":
      return {
        allowed: true,
        status: "Prepared",
        preferredVersion: action.version,
        newRequest: true,
      };
    case "skip":
      return skip(state);
    case "retry":
      return retry(state);
  }
}

function skip(state: ServiceState): ActionOutcome {
  switch (state.status) {
    case "OK":
    case "Prepared":
    case "Not Ready":
    case "Rolled Back":
      // Nothing is changing on the workstation: the active version runs and
      // is healthy (Rolled Back restored it), so "-" leaves it at OK.
      return { allowed: true, status: "OK", preferredVersion: null, newRequest: false };
    case "Failed":
      // The rollback failed too: the service is not healthy, and choosing
      // "-" does not make it so. Only a new version or a retry clears Failed.
      return { allowed: true, status: "Failed", preferredVersion: null, newRequest: false };
    case "In Progress":
      return refuse("the update is In Progress");
  }
}

function retry(state: ServiceState): ActionOutcome {
  switch (state.status) {
    case "Failed":
    case "Rolled Back":
    case "Not Ready":
      if (state.preferredVersion === null) {
        return refuse(
          `status is ${state.status} but no preferred version is set: choose a version instead`,
        );
      }
      return {
        allowed: true,
        status: "Prepared",
        preferredVersion: state.preferredVersion,
        newRequest: true,
      };
    case "OK":
      return refuse("status is OK: the last update succeeded, there is nothing to retry");
    case "Prepared":
      return refuse(
        "status is Prepared: the update has not started yet, there is nothing to retry",
      );
    case "In Progress":
      return refuse("the update is In Progress");
  }
}

/** The actions an operator may take on a service in `state` (what a console offers). */
export function allowedActions(state: ServiceState): ActionKind[] {
  const probes: Record<ActionKind, OperatorAction> = {
    "set-preferred": { kind: "set-preferred", version: "0.0.0" },
    skip: { kind: "skip" },
    retry: { kind: "retry" },
  };
  return ACTION_KINDS.filter((kind) => applyAction(state, probes[kind]).allowed);
}

/**
 * The transitions the agent itself makes while carrying out a request, so
 * both sides can name (and log) every move as `from -> to`. A new request
 * from the coordinator may move any status except In Progress to Prepared.
 */
export const AGENT_TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  OK: ["Prepared"],
  Prepared: ["Prepared", "In Progress", "Not Ready", "OK"],
  "Not Ready": ["Not Ready", "Prepared", "In Progress", "OK"],
  // Readiness is checked after the download, right before stopping the old
  // service, so an update can fall back from In Progress to Not Ready.
  "In Progress": ["In Progress", "OK", "Not Ready", "Rolled Back", "Failed"],
  "Rolled Back": ["Prepared", "OK"],
  Failed: ["Prepared"],
};

export function isAgentTransition(from: Status, to: Status): boolean {
  return from === to || AGENT_TRANSITIONS[from].includes(to);
}

/** Statuses an update request has finished in (a new request is needed to move on). */
export function isSettled(status: Status): boolean {
  return status === "OK" || status === "Rolled Back" || status === "Failed";
}

/** Statuses where Retry is offered. Not Ready is a deferral, never counted as a failure. */
export function isFailure(status: Status): boolean {
  return status === "Rolled Back" || status === "Failed";
}
