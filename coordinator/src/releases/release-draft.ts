import type {
  Decision,
  HistoryEntry,
  PlanInput,
  ReleaseEvent,
  ReleasePlan,
  ReleaseRecord,
  ReleaseSend,
  ReleaseState,
  StageRecord,
  StageState,
} from "./release-model.js";
import { ENDED_STAGE_STATES, releaseEntry, stageEntry } from "./release-transitions.js";

/**
 * The record being planned, changed in place by one plan call only (a local
 * value, never shared): states move through the transition table, each move
 * appends its history entry; sends and events are gathered in order.
 */
export interface Draft {
  readonly id: string;
  readonly at: string;
  readonly now: number;
  readonly original: ReleaseRecord;
  state: ReleaseState;
  readonly stages: StageRecord[];
  readonly history: HistoryEntry[];
  readonly decisions: Decision[];
  readonly rolledBack: string[];
  readonly sends: ReleaseSend[];
  readonly events: ReleaseEvent[];
  changed: boolean;
}

export function startDraft(input: PlanInput): Draft {
  const release = input.release;
  return {
    id: release.id,
    at: new Date(input.now).toISOString(),
    now: input.now,
    original: release,
    state: release.state,
    stages: [...release.stages],
    history: [...release.history],
    decisions: [...release.decisions],
    rolledBack: [...release.rolledBack],
    sends: [],
    events: [],
    changed: false,
  };
}

export function moveRelease(draft: Draft, to: ReleaseState, reason: string, who: string): void {
  draft.history.push(releaseEntry(draft.state, to, reason, who, draft.at));
  draft.state = to;
  draft.changed = true;
}

/** Moves stage `index` to `to`; ending states set endedAt, Running sets startedAt once. */
export function moveStage(
  draft: Draft,
  index: number,
  to: StageState,
  reason: string,
  who: string,
  patch: Partial<Pick<StageRecord, "members" | "skipped">> = {},
): void {
  const stage = draft.stages[index] as StageRecord;
  draft.history.push(stageEntry(stage.name, stage.state, to, reason, who, draft.at));
  const ended = ENDED_STAGE_STATES.includes(to);
  draft.stages[index] = {
    ...stage,
    ...patch,
    state: to,
    reason,
    startedAt: to === "Running" && stage.startedAt === null ? draft.at : stage.startedAt,
    endedAt: ended ? draft.at : null,
  };
  draft.changed = true;
}

/** Replaces stage `index`'s members (sends), without a state change. */
export function replaceMembers(draft: Draft, index: number, members: StageRecord["members"]): void {
  const stage = draft.stages[index] as StageRecord;
  draft.stages[index] = { ...stage, members };
  draft.changed = true;
}

/** Sets stage `index`'s shown reason without a state change (a blackout's wait); no-op when equal. */
export function setStageReason(draft: Draft, index: number, reason: string | null): void {
  const stage = draft.stages[index] as StageRecord;
  if (stage.reason === reason) return;
  draft.stages[index] = { ...stage, reason };
  draft.changed = true;
}

export function stageEnded(
  draft: Draft,
  index: number,
  state: "Successful" | "Failed" | "Cancelled",
  reason: string,
): void {
  draft.events.push({
    type: "stage-ended",
    at: draft.at,
    release: draft.id,
    stage: (draft.stages[index] as StageRecord).name,
    state,
    reason,
  });
}

export function releaseEnded(draft: Draft, reason: string): void {
  draft.events.push({
    type: "release-ended",
    at: draft.at,
    release: draft.id,
    state: draft.state,
    reason,
  });
}

/** The plan to persist (when changed), apply and emit. */
export function finishDraft(draft: Draft, wakeAt: number | null): ReleasePlan {
  const release: ReleaseRecord = draft.changed
    ? {
        ...draft.original,
        state: draft.state,
        stages: draft.stages,
        history: draft.history,
        decisions: draft.decisions,
        rolledBack: draft.rolledBack,
      }
    : draft.original;
  return {
    release,
    changed: draft.changed,
    sends: draft.sends,
    events: draft.events,
    needsCandidates: false,
    wakeAt,
  };
}

/** A stage must start and the caller gave no candidates: nothing changes, plan again with them. */
export function needsCandidatesPlan(input: PlanInput): ReleasePlan {
  return {
    release: input.release,
    changed: false,
    sends: [],
    events: [],
    needsCandidates: true,
    wakeAt: null,
  };
}
