import type { ReleaseRecord, ReleaseSpec } from "./release-model.js";
import { releaseEntry } from "./release-transitions.js";

/**
 * A new release task: state Ready (Scheduled when its schedule names a
 * time), every stage Pending with no members yet, history "- -> Ready" by
 * its creator. Nothing is sent until it starts: by `release start`, or by
 * the runner for a schedule (immediately, window: at once; at: at its time).
 * It owes its task.planned notice (noticesPending) until the runner
 * has published it.
 */
export function newRelease(
  id: string,
  spec: ReleaseSpec,
  createdBy: string,
  now: number,
): ReleaseRecord {
  const at = new Date(now).toISOString();
  const state = spec.schedule?.mode === "at" ? "Scheduled" : "Ready";
  const reason =
    spec.schedule === null
      ? "created"
      : spec.schedule.mode === "at"
        ? `created: starts at ${spec.schedule.at}`
        : `created: schedule ${spec.schedule.mode}`;
  return {
    id,
    spec,
    state,
    createdBy,
    createdAt: at,
    stages: spec.stages.map((stage) => ({
      name: stage.name,
      state: "Pending",
      startedAt: null,
      endedAt: null,
      reason: null,
      members: [],
      skipped: [],
    })),
    history: [releaseEntry("-", state, reason, createdBy, at)],
    decisions: [],
    rolledBack: [],
    // Written with the record: its task.planned notice is owed until the runner publishes it.
    noticesPending: ["task.planned"],
  };
}
