import { outcomeRules } from "./member-outcome.js";
import type {
  MemberObservation,
  ReleaseRecord,
  ReleaseSummary,
  ReleaseView,
  StageRecord,
  StageSpec,
  StageView,
} from "./release-model.js";
import { emptyCounts, tallyStage } from "./stage-tally.js";

/**
 * A release as shown (`release show`, the API): each stage with its counts
 * per outcome from the rows now, Not Ready reasons, timed-out and failed
 * rows, skipped rows. Pure; one pass per stage.
 */
export function viewRelease(
  release: ReleaseRecord,
  observe: (key: string) => MemberObservation | undefined,
  now: number,
): ReleaseView {
  const spec = release.spec;
  const rules = outcomeRules(spec, now);
  const stages = release.stages.map((stage: StageRecord, index): StageView => {
    const checkpoint = (spec.stages[index] as StageSpec | undefined)?.checkpoint ?? "none";
    const base = {
      name: stage.name,
      state: stage.state,
      checkpoint,
      startedAt: stage.startedAt,
      endedAt: stage.endedAt,
      reason: stage.reason,
      skipped: stage.skipped,
    };
    if (stage.members.length === 0) {
      return {
        ...base,
        counts: emptyCounts(0, stage.skipped.length),
        members: [],
        notReady: [],
        timedOut: [],
        failed: [],
      };
    }
    const tally = tallyStage(stage, observe, rules, spec.maxPerStore);
    const notReady: { key: string; reason: string }[] = [];
    const timedOut: string[] = [];
    const failed: StageView["failed"][number][] = [];
    stage.members.forEach((member, i) => {
      const outcome = tally.outcomes[i];
      if (outcome === "timed out") timedOut.push(member.key);
      else if (outcome === "Not Ready" || outcome === "Failed" || outcome === "Rolled Back") {
        const obs = observe(member.key);
        const reason = obs?.reason ?? "no reason given";
        if (outcome === "Not Ready") notReady.push({ key: member.key, reason });
        else failed.push({ key: member.key, status: outcome, reason });
      }
    });
    return {
      ...base,
      counts: tally.counts,
      members: stage.members.map((member) => member.key),
      notReady,
      timedOut,
      failed,
    };
  });
  return {
    id: release.id,
    name: spec.name,
    function: spec.function,
    version: spec.version,
    state: release.state,
    createdBy: release.createdBy,
    createdAt: release.createdAt,
    spec,
    stages,
    history: release.history,
    decisions: release.decisions,
  };
}

/** A release in a list: the view without member lists. */
export function summariseRelease(view: ReleaseView): ReleaseSummary {
  return {
    id: view.id,
    name: view.name,
    function: view.function,
    version: view.version,
    state: view.state,
    createdBy: view.createdBy,
    createdAt: view.createdAt,
    stages: view.stages.map((stage) => ({
      name: stage.name,
      state: stage.state,
      counts: stage.counts,
    })),
  };
}
