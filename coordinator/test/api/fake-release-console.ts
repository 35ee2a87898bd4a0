// An in-memory ReleaseConsole for the API and console tests: the routes' contract (shapes,
// refusal codes) without the planner, the store or a fleet. States move as
// RELEASE-SEMANTICS.md says for the operations' effect on the release and its current
// stage; there are no members, so every count is 0.

import type { Operator } from "../../src/accounts/identity.js";
import { canApprove } from "../../src/accounts/permissions.js";
import type {
  ReleaseConsole,
  ReleaseRefusalCode,
  ReleaseResult,
} from "../../src/releases/release-console.js";
import type {
  HistoryEntry,
  ReleaseOperation,
  ReleaseSpec,
  ReleaseState,
  ReleaseSummary,
  ReleaseView,
  StageCounts,
  StageState,
  StageView,
} from "../../src/releases/release-model.js";

export const ZERO_COUNTS: StageCounts = {
  queued: 0,
  held: 0,
  Prepared: 0,
  "In Progress": 0,
  "Not Ready": 0,
  soaking: 0,
  OK: 0,
  Failed: 0,
  "Rolled Back": 0,
  "timed out": 0,
  total: 0,
  skipped: 0,
};

/** A release document with every default filled in (what releaseSpecSchema answers). */
export function fullSpec(overrides: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return {
    name: "pos-client 1.1.0 spring",
    function: "pos-client",
    version: "1.1.0",
    target: {},
    stages: [{ name: "all", checkpoint: "none" }],
    errorThreshold: "0%",
    successThreshold: "100%",
    stageTimeout: "2h",
    soak: "0s",
    maxPerStore: null,
    onError: "pause",
    schedule: null,
    forced: false,
    redeploy: false,
    allowDowngrade: false,
    notify: { partnerAdmins: true, storeContacts: false },
    ...overrides,
  };
}

type Refusal = { ok: false; error: string; code: ReleaseRefusalCode };
const refuse = (code: ReleaseRefusalCode, error: string): Refusal => ({ ok: false, code, error });

/** Where each operation is allowed (the release's state); approve/reject/trigger also need the stage. */
const ALLOWED: Record<ReleaseOperation["kind"], readonly ReleaseState[]> = {
  start: ["Ready"],
  approve: ["Running"],
  reject: ["Running"],
  trigger: ["Running"],
  pause: ["Running"],
  resume: ["Paused"],
  retry: ["Running", "Failed"],
  rollback: ["Paused", "Failed", "Successful", "Cancelled", "Rejected", "Rolled Back"],
  cancel: ["Ready", "Running", "Paused", "Failed"],
};
const ENDED: readonly StageState[] = ["Successful", "Failed", "Cancelled"];

export class FakeReleaseConsole implements ReleaseConsole {
  private readonly releases = new Map<string, ReleaseView>();
  /** Every operation asked for, in order (what the HTTP layer handed over). */
  readonly operations: { id: string; operation: ReleaseOperation; who: string }[] = [];

  constructor(private readonly options: { now?: () => number; lenient?: boolean } = {}) {}

  private at(): string {
    return new Date(this.options.now?.() ?? Date.parse("2026-11-30T08:00:00Z")).toISOString();
  }

  async create(spec: ReleaseSpec, who: Operator): Promise<ReleaseResult<ReleaseView>> {
    const id = String(this.releases.size + 1);
    const stages: StageView[] = spec.stages.map((stage) => ({
      name: stage.name,
      state: "Pending",
      checkpoint: stage.checkpoint,
      startedAt: null,
      endedAt: null,
      reason: null,
      counts: ZERO_COUNTS,
      members: [],
      notReady: [],
      timedOut: [],
      failed: [],
      skipped: [],
    }));
    const view: ReleaseView = {
      id,
      name: spec.name,
      function: spec.function,
      version: spec.version,
      state: spec.schedule?.mode === "at" ? "Scheduled" : "Ready",
      createdBy: who.name,
      createdAt: this.at(),
      spec,
      stages,
      history: [],
      decisions: [],
    };
    this.releases.set(id, view);
    // Issue 11: the real console's downgrade warning, for the CLI's printing of warnings.
    if (spec.allowDowngrade)
      return {
        ok: true,
        value: {
          ...view,
          warnings: [
            "compatibility with older versions is not guaranteed: 1 row goes back from 1.2.0 to 1.1.0",
          ],
        },
      };
    return { ok: true, value: view };
  }

  async list(_viewer: Operator): Promise<ReleaseResult<ReleaseSummary[]>> {
    const summaries = [...this.releases.values()].reverse().map((view) => ({
      id: view.id,
      name: view.name,
      function: view.function,
      version: view.version,
      state: view.state,
      createdBy: view.createdBy,
      createdAt: view.createdAt,
      stages: view.stages.map(({ name, state, counts }) => ({ name, state, counts })),
    }));
    return { ok: true, value: summaries };
  }

  async show(id: string, _viewer: Operator): Promise<ReleaseResult<ReleaseView>> {
    const view = this.releases.get(id);
    return view === undefined
      ? refuse("not-found", `no release task ${id}`)
      : { ok: true, value: view };
  }

  async operate(
    id: string,
    operation: ReleaseOperation,
    who: Operator,
  ): Promise<ReleaseResult<ReleaseView>> {
    this.operations.push({ id, operation, who: who.name });
    const view = this.releases.get(id);
    if (view === undefined) return refuse("not-found", `no release task ${id}`);
    const current = view.stages.findIndex((stage) => stage.state !== "Successful");
    const stage = view.stages[current];
    const lenient = this.options.lenient === true;
    if (!lenient && !ALLOWED[operation.kind].includes(view.state))
      return refuse(
        "conflict",
        `the release task is ${view.state}: ${operation.kind} is not allowed${view.state === "Running" ? ": pause it first" : ""}`,
      );
    const waits = (state: StageState) => lenient || stage?.state === state;
    if ((operation.kind === "approve" || operation.kind === "reject") && stage !== undefined) {
      if (!waits("Waiting for approval"))
        return refuse(
          "conflict",
          `the release task is Running: stage ${stage.name} is ${stage.state}`,
        );
      const allowed = canApprove(who, view);
      if (!allowed.ok) return refuse("forbidden", allowed.message);
    }
    if (operation.kind === "trigger" && stage !== undefined && !waits("Waiting for trigger"))
      return refuse(
        "conflict",
        `the release task is Running: stage ${stage.name} is ${stage.state}`,
      );
    const next = this.apply(view, current, operation, who.name);
    this.releases.set(id, next);
    return { ok: true, value: next };
  }

  private apply(
    view: ReleaseView,
    current: number,
    operation: ReleaseOperation,
    who: string,
  ): ReleaseView {
    const at = this.at();
    const history: HistoryEntry[] = [...view.history];
    let state = view.state;
    const moveRelease = (to: ReleaseState, reason: string) => {
      history.push({ at, who, subject: "release", from: state, to, reason });
      state = to;
    };
    const stages = view.stages.map((stage, index) => {
      const move = (to: StageState, reason: string): StageView => {
        history.push({ at, who, subject: stage.name, from: stage.state, to, reason });
        return { ...stage, state: to, reason };
      };
      if (index === current && operation.kind === "start") {
        if (stage.checkpoint === "approval") return move("Waiting for approval", "checkpoint");
        if (stage.checkpoint === "trigger") return move("Waiting for trigger", "checkpoint");
        return move("Running", "started");
      }
      if (index === current && (operation.kind === "approve" || operation.kind === "trigger"))
        return move(
          "Running",
          `${operation.kind === "approve" ? "approved" : "triggered"} by ${who}`,
        );
      const ends = ["reject", "rollback", "cancel"].includes(operation.kind);
      if (index >= current && ends && !ENDED.includes(stage.state))
        return move("Cancelled", `release ${operation.kind}`);
      return stage;
    });
    const to: Partial<Record<ReleaseOperation["kind"], ReleaseState>> = {
      start: "Running",
      reject: "Rejected",
      pause: "Paused",
      resume: "Running",
      retry: "Running",
      rollback: "Rolled Back",
      cancel: "Cancelled",
    };
    const target = to[operation.kind];
    if (target !== undefined && target !== state)
      moveRelease(target, `${operation.kind} by ${who}`);
    const stageName = view.stages[current]?.name ?? "";
    const decisions =
      operation.kind === "approve" || operation.kind === "reject"
        ? [
            ...view.decisions,
            {
              at,
              who,
              stage: stageName,
              verdict: operation.kind === "approve" ? ("approved" as const) : ("rejected" as const),
              comment: operation.comment,
            },
          ]
        : operation.kind === "trigger"
          ? [
              ...view.decisions,
              { at, who, stage: stageName, verdict: "triggered" as const, comment: null },
            ]
          : view.decisions;
    return { ...view, state, stages, history, decisions };
  }
}
