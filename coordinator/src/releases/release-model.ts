import type {
  DrainPolicy,
  MaintenanceWindow,
  PackVersionInfo,
  Status,
} from "@tillroll/protocol/pure";
import type { Filters } from "../fleet/filters.js";

/**
 * Release tasks (issue 10): the words and shapes every part of releases/
 * shares. A release task rolls one version of one function across the rows
 * its target matches, stage after stage; a checkpoint (approval or trigger)
 * may stand before a stage. This file holds types and state names only; the
 * spec's schema is release-spec.ts, decisions are plan-*.ts, I/O is
 * release-runner.ts and operations/release-operations.ts.
 */

export const RELEASE_STATES = [
  "Scheduled",
  "Ready",
  "Running",
  "Paused",
  "Successful",
  "Failed",
  "Rejected",
  "Cancelled",
  "Rolled Back",
] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

/**
 * States in which a release holds its rows: set-preferred and retry skip
 * them, and no other release may take them. Ready holds none yet (no stage
 * has started); the others have ended.
 */
export const ACTIVE_RELEASE_STATES: readonly ReleaseState[] = ["Running", "Paused", "Failed"];

export const STAGE_STATES = [
  "Pending",
  "Waiting for approval",
  "Waiting for trigger",
  "Running",
  "Successful",
  "Failed",
  "Cancelled",
] as const;
export type StageState = (typeof STAGE_STATES)[number];

export const CHECKPOINTS = ["none", "approval", "trigger"] as const;
export type Checkpoint = (typeof CHECKPOINTS)[number];

export const ON_ERROR = ["pause", "rollback"] as const;
export type OnError = (typeof ON_ERROR)[number];

/** When a release task starts (issue 11); null in the spec: by hand (`release start`). */
export type ReleaseSchedule =
  | { readonly mode: "immediately" }
  | { readonly mode: "window" }
  /** `at`: ISO 8601 with an offset or Z, as the operator wrote it. */
  | { readonly mode: "at"; readonly at: string };

export const SCHEDULE_MODES = ["immediately", "window", "at"] as const;

/** Whom e-mail about the task goes to (issue 11). */
export interface NotifySpec {
  readonly partnerAdmins: boolean;
  readonly storeContacts: boolean;
}

/** One stage as written in the release document (at most one of target / percent / count). */
export interface StageSpec {
  readonly name: string;
  /** Narrows the release's target. */
  readonly target?: Filters | undefined;
  /** Percent (0 < p ≤ 100) of the rows not yet in an earlier stage, whole stores at a time. */
  readonly percent?: number | undefined;
  /** Rows (≥ 1) of those not yet in an earlier stage, whole stores at a time. */
  readonly count?: number | undefined;
  readonly checkpoint: Checkpoint;
}

/**
 * The release document after validation, defaults filled in; kept as the
 * operator wrote it (thresholds "2%", durations "2h"), read with
 * `percentOf` / `durationMs` (release-spec.ts).
 */
export interface ReleaseSpec {
  readonly name: string;
  readonly function: string;
  readonly version: string;
  /** The status overview's filters, without `function` (the release names it). */
  readonly target: Filters;
  readonly stages: readonly StageSpec[];
  /** "N%": a stage fails when Failed + Rolled Back + timed out rows exceed it. Default "0%". */
  readonly errorThreshold: string;
  /** "N%": a stage succeeds when this share of its rows is OK and soaked. Default "100%". */
  readonly successThreshold: string;
  /** "2h", "15m", "30s", "1h30m": how long a sent row may stay unanswered. Default "2h". */
  readonly stageTimeout: string;
  /** How long a row must stay OK before it counts as a success. Default "0s". */
  readonly soak: string;
  /** At most this many rows of one store not yet OK at once; null: no limit (default). */
  readonly maxPerStore: number | null;
  readonly onError: OnError;
  /** Issue 11: null: started by hand. Default null. */
  readonly schedule: ReleaseSchedule | null;
  /** Only the platform admin may cancel it. Default false. */
  readonly forced: boolean;
  /** Rows already on `version` are members and reinstall it. Default false. */
  readonly redeploy: boolean;
  /**
   * Issue 13: "rebuild" takes only rows already on `version` and rebuilds them
   * with their effective recipe (a new request with `redeploy`, which it
   * implies); absent: "install", the release as before.
   */
  readonly kind?: "install" | "rebuild" | undefined;
  /** Rows on a newer version may go back to `version` (with a warning). Default false. */
  readonly allowDowngrade: boolean;
  readonly notify: NotifySpec;
  /** Issue 13: notices before the update, force only on a forced task. Default null. */
  readonly drain?: DrainPolicy | null | undefined;
}

/** One row of a started stage: fixed when the stage starts. */
export interface MemberRecord {
  /** `store/workstation/function` (rowKey). */
  readonly key: string;
  readonly store: string;
  readonly workstation: string;
  /** The row's active version when the stage started: what `release rollback` brings back. */
  readonly previousVersion: string | null;
  /** The request the release sent for this row; null while not sent. */
  readonly requestId: string | null;
  /** When it was sent (ISO 8601 UTC); null while not sent. */
  readonly sentAt: string | null;
  /** Sends so far: 0 until sent, 1 after the first, +1 per retry. */
  readonly attempt: number;
  /** The row's business unit group when the stage started (blackouts cover groups); absent: unknown. */
  readonly group?: string | null | undefined;
  /**
   * Window mode: the store's resolved window when the stage started; sent
   * in the desired entry, and the member's timeout counts only its open time.
   */
  readonly window?: MaintenanceWindow | null | undefined;
}

export interface SkippedRow {
  readonly key: string;
  readonly reason: string;
}

export interface StageRecord {
  readonly name: string;
  readonly state: StageState;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  /** Why it is in its state (the last transition's reason). */
  readonly reason: string | null;
  /** Empty until the stage starts; then fixed. */
  readonly members: readonly MemberRecord[];
  /** Rows the stage selected but cannot send to (descriptor, already active, in another release, In Progress). */
  readonly skipped: readonly SkippedRow[];
}

/** One `from -> to` of the release or of a stage, with its reason and who. */
export interface HistoryEntry {
  readonly at: string;
  /** Operator name, or "release runner" for the runner's own decisions. */
  readonly who: string;
  /** "release" or the stage's name. */
  readonly subject: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

export interface Decision {
  readonly at: string;
  readonly who: string;
  readonly stage: string;
  readonly verdict: "approved" | "rejected" | "triggered";
  readonly comment: string | null;
}

/** A release task as stored. */
export interface ReleaseRecord {
  /** "1", "2", …: short, for the console. */
  readonly id: string;
  readonly spec: ReleaseSpec;
  readonly state: ReleaseState;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly stages: readonly StageRecord[];
  readonly history: readonly HistoryEntry[];
  readonly decisions: readonly Decision[];
  /** Rollback requests sent, per member key (so a second `rollback` skips them). */
  readonly rolledBack: readonly string[];
  /**
   * Issue 11, the transactional outbox: notices this record owes that may
   * not be in the outbox yet. A notice that needs the release's id cannot be
   * published before the record exists, so the marker is written WITH the
   * record (one durable write), the notice is published (idempotent by key),
   * then the marker is cleared (a second write). A coordinator stopped in
   * between finds the marker at start and publishes again (the outbox drops
   * a key it has). Absent or empty (and in files older than it): nothing pending.
   */
  readonly noticesPending?: readonly PendingReleaseNotice[];
}

/** Notices a release record can owe (ReleaseRecord.noticesPending). */
export const PENDING_RELEASE_NOTICES = ["task.planned"] as const;
export type PendingReleaseNotice = (typeof PENDING_RELEASE_NOTICES)[number];

/** What the planner sees of one member's fleet row now. */
export interface MemberObservation {
  readonly status: Status;
  readonly requestId: string | null;
  readonly activeVersion: string | null;
  readonly reason: string | null;
  readonly online: boolean;
  /**
   * Since when (ms) the row has been OK on the release's version without a
   * report of another status in between; null when it is not. Kept by the
   * runner; after a restart, OK rows count from the restart (the soak starts
   * again: conservative).
   */
  readonly okSince: number | null;
}

/** A fleet row that may join a stage when it starts. */
export interface CandidateRow {
  readonly store: string;
  readonly workstation: string;
  readonly function: string;
  readonly group: string | null;
  readonly activeVersion: string | null;
  readonly preferredVersion: string | null;
  readonly status: Status;
  /**
   * The row's valid-from (ISO 8601 UTC), for a stage target's valid-from
   * bounds; left out or null, those bounds match no row (as in the overview).
   */
  readonly validFrom?: string | null | undefined;
}

/** What one member counts as in a stage's tally. */
export type MemberOutcome =
  /** Not sent yet: waits for its turn (maxPerStore) or the stage to run. */
  | "queued"
  /** Not sent, and never will be while its store has a failed row in this stage (maxPerStore). */
  | "held"
  | "Prepared"
  | "In Progress"
  | "Not Ready"
  /** OK on the release's version, soak not yet over. */
  | "soaking"
  /** OK on the release's version and soaked: a success. */
  | "OK"
  | "Failed"
  | "Rolled Back"
  /** Sent, and no answer within stageTimeout (Prepared never acknowledged, offline). */
  | "timed out";

export type StageCounts = Readonly<Record<MemberOutcome, number>> & {
  /** Members (skipped rows are not members). */
  readonly total: number;
  readonly skipped: number;
};

/** A stage as shown: its record's facts plus counts from the rows now. */
export interface StageView {
  readonly name: string;
  readonly state: StageState;
  readonly checkpoint: Checkpoint;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly reason: string | null;
  readonly counts: StageCounts;
  /** Member keys (empty until the stage starts). */
  readonly members: readonly string[];
  readonly notReady: readonly { key: string; reason: string }[];
  readonly timedOut: readonly string[];
  readonly failed: readonly { key: string; status: Status; reason: string }[];
  readonly skipped: readonly SkippedRow[];
}

/** A release as the API answers it (`release show --json`). */
export interface ReleaseView {
  readonly id: string;
  readonly name: string;
  readonly function: string;
  readonly version: string;
  readonly state: ReleaseState;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly spec: ReleaseSpec;
  readonly stages: readonly StageView[];
  readonly history: readonly HistoryEntry[];
  readonly decisions: readonly Decision[];
  /** The create answer only (issue 11): e.g. a downgrade's compatibility warning. */
  readonly warnings?: readonly string[] | undefined;
  /** Issue 12: what the caller may do now (releases/release-actions.ts); in answers to a signed-in caller. */
  readonly actions?: Readonly<Record<ReleaseOperationKind, boolean>> | undefined;
}

/** One desired-state change the executor applies for a release. */
export interface ReleaseSend {
  readonly key: string;
  readonly store: string;
  readonly workstation: string;
  readonly function: string;
  /** The version to prefer; null sends "-" (cancel: not started rows go back to no update). */
  readonly version: string | null;
  /** Deterministic (see requestIdFor), so applying a send twice is one request. */
  readonly requestId: string | null;
  readonly why: "install" | "retry" | "rollback" | "cancel";
  /** Window mode: the member's window, carried in the desired entry (install and retry only). */
  readonly window?: MaintenanceWindow | null | undefined;
  /** A redeploy release's install and retry: the agent reinstalls the active version. */
  readonly redeploy?: boolean | undefined;
}

export type ReleaseEvent =
  | { type: "stage-started"; at: string; release: string; stage: string; members: number }
  | {
      type: "stage-waiting";
      at: string;
      release: string;
      stage: string;
      checkpoint: "approval" | "trigger";
    }
  | {
      type: "stage-ended";
      at: string;
      release: string;
      stage: string;
      state: "Successful" | "Failed" | "Cancelled";
      reason: string;
    }
  | {
      type: "threshold-crossed";
      at: string;
      release: string;
      stage: string;
      threshold: "error" | "success";
      counts: StageCounts;
    }
  | { type: "release-ended"; at: string; release: string; state: ReleaseState; reason: string };

/** The facts the planner decides from; everything but the record comes from the fleet now. */
export interface PlanInput {
  readonly release: ReleaseRecord;
  /** Members' rows now (undefined: the row is gone, e.g. its workstation was removed). */
  readonly observe: (key: string) => MemberObservation | undefined;
  /**
   * Rows of the release's function matching its target, for the stage about
   * to start; null when the caller did not read them (then a plan that needs
   * them says `needsCandidates`).
   */
  readonly candidates: readonly CandidateRow[] | null;
  /** The active release (id and name) holding a row, other than this one. */
  readonly heldBy: (key: string) => { id: string; name: string } | undefined;
  /** The function's offered packs (withdrawn ones left out): which versions a row may take. */
  readonly packs: readonly PackVersionInfo[];
  readonly now: number;
  /** Issue 11's facts: windows, blackouts, agent capabilities; absent: none of them (NO_CONTEXT). */
  readonly context?: ReleaseContext | undefined;
}

/** A blackout as the planner needs it (schedule-model.ts Blackout). */
export interface BlackoutFact {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly group: string | null;
}

/**
 * What the planner reads of schedules and agents (issue 11), as plain
 * functions, so its table tests need neither the schedules store nor the
 * window calculus: the runner fills them from ScheduleFacts, the
 * presence's capabilities and protocol/src/windows.
 */
export interface ReleaseContext {
  /** The store's resolved window (ScheduleFacts.windowFor); null: none. */
  readonly windowFor: (store: string, group: string | null) => MaintenanceWindow | null;
  /** Blackouts covering a row of `group` at `atMs`. */
  readonly blackoutsAt: (group: string | null, atMs: number) => readonly BlackoutFact[];
  /** What the workstation's agent said it understands; null: it never said (an old agent). */
  readonly capabilitiesOf: (store: string, workstation: string) => readonly string[] | null;
  /** protocol windowDeadline: when `budgetMs` of open window has passed since `fromMs`. */
  readonly windowDeadline: (window: MaintenanceWindow, fromMs: number, budgetMs: number) => number;
}

/** What to do: persist `release` (when changed), then apply `sends`, then emit `events`. */
export interface ReleasePlan {
  readonly release: ReleaseRecord;
  readonly changed: boolean;
  readonly sends: readonly ReleaseSend[];
  readonly events: readonly ReleaseEvent[];
  /** A stage is ready to start and `candidates` was null: plan again with them. */
  readonly needsCandidates: boolean;
  /** When to plan again without news (a timeout or a soak ends); null: only on news. */
  readonly wakeAt: number | null;
}

export type ReleaseOperation =
  /** `reason`: the runner's own start (schedule); absent: `started by WHO`. */
  | { kind: "start"; reason?: string }
  | { kind: "approve"; comment: string }
  | { kind: "reject"; comment: string }
  | { kind: "trigger" }
  | { kind: "pause" }
  | { kind: "resume" }
  | { kind: "retry" }
  | { kind: "rollback" }
  /** `reason`: why (a blackout); absent: `cancelled by WHO`. */
  | { kind: "cancel"; reason?: string };

export type ReleaseOperationKind = ReleaseOperation["kind"];

/** Who asks for an operation, as the planner needs it. */
export interface ReleaseActor {
  readonly name: string;
  /** approve / reject: whether four eyes and the role allow it (accounts/permissions.ts canApprove); null when allowed. */
  readonly approvalRefused: string | null;
  /** Admin without a scope: may cancel a forced release (issue 11). Absent: no. */
  readonly platformAdmin?: boolean | undefined;
}

/** The runner's own name in history entries. */
export const RUNNER = "release runner";

/** A release in a list: no member lists. */
export interface ReleaseSummary {
  readonly id: string;
  readonly name: string;
  readonly function: string;
  readonly version: string;
  readonly state: ReleaseState;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly stages: readonly {
    readonly name: string;
    readonly state: StageState;
    readonly counts: StageCounts;
  }[];
}
