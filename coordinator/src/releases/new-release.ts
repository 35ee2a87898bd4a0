import type { ReleaseRecord, ReleaseSpec } from "./release-model.js";
import { releaseEntry } from "./release-transitions.js";

/**
 * A new release task: state Ready, every stage Pending with no members yet,
 * history "- -> Ready" by its creator. Nothing is sent until `start`.
 */
export function newRelease(
  id: string,
  spec: ReleaseSpec,
  createdBy: string,
  now: number,
): ReleaseRecord {
  const at = new Date(now).toISOString();
  return {
    id,
    spec,
    state: "Ready",
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
    history: [releaseEntry("-", "Ready", "created", createdBy, at)],
    decisions: [],
    rolledBack: [],
  };
}
