// A small planner with the real one's signatures, for the executor's tests: a stage with a
// store target or none, checkpoints, sends at once, success when every member is OK on the
// version for its request, failure on the first Failed row. The executor is what is tested
// here; the real planner has its own table tests.

import { err, ok, type Result } from "@tillroll/protocol";
import { matches } from "../../src/fleet/filters.js";
import { rowKey } from "../../src/fleet/service-row.js";
import {
  type HistoryEntry,
  type MemberRecord,
  type PlanInput,
  type ReleaseActor,
  type ReleaseEvent,
  type ReleaseOperation,
  type ReleasePlan,
  type ReleaseRecord,
  type ReleaseSend,
  RUNNER,
  type StageRecord,
} from "../../src/releases/release-model.js";
import type { ReleasePlanner } from "../../src/releases/release-runner.js";

export function standInRequestId(id: string, stage: number, member: number, attempt: number) {
  return `rel${id}-${stage}-${member}-${attempt}`;
}

interface Draft {
  release: ReleaseRecord;
  sends: ReleaseSend[];
  events: ReleaseEvent[];
}

function iso(now: number): string {
  return new Date(now).toISOString();
}

function move(
  draft: Draft,
  now: number,
  who: string,
  subject: string,
  to: string,
  reason: string,
  stageIndex?: number,
): void {
  const r = draft.release;
  const from = stageIndex === undefined ? r.state : (r.stages[stageIndex]?.state ?? "-");
  const entry: HistoryEntry = { at: iso(now), who, subject, from, to, reason };
  const stages =
    stageIndex === undefined
      ? r.stages
      : r.stages.map((stage, i) =>
          i === stageIndex ? ({ ...stage, state: to, reason } as StageRecord) : stage,
        );
  draft.release = {
    ...r,
    ...(stageIndex === undefined ? { state: to as ReleaseRecord["state"] } : {}),
    stages,
    history: [...r.history, entry],
  };
}

/** Starts stage `i` from the candidates: members, sends, Running. */
function startStage(draft: Draft, input: PlanInput, i: number): void {
  const r = draft.release;
  const spec = r.spec.stages[i];
  const earlier = new Set(r.stages.slice(0, i).flatMap((s) => s.members.map((m) => m.key)));
  const rows = (input.candidates ?? [])
    .filter((row) => !earlier.has(rowKey(row)))
    .filter((row) => spec?.target?.store === undefined || spec.target.store.includes(row.store))
    .filter((row) => input.heldBy(rowKey(row)) === undefined)
    .filter((row) =>
      matches(
        {
          ...row,
          phase: null,
          progress: null,
          reason: null,
          validFrom: null,
          requestId: null,
          online: true,
          updatedAt: "",
        },
        { ...r.spec.target },
      ),
    );
  const members: MemberRecord[] = rows.map((row, m) => ({
    key: rowKey(row),
    store: row.store,
    workstation: row.workstation,
    previousVersion: row.activeVersion,
    requestId: standInRequestId(r.id, i, m, 1),
    sentAt: iso(input.now),
    attempt: 1,
  }));
  for (const member of members)
    draft.sends.push({
      key: member.key,
      store: member.store,
      workstation: member.workstation,
      function: r.spec.function,
      version: r.spec.version,
      requestId: member.requestId,
      why: "install",
    });
  draft.release = {
    ...r,
    stages: r.stages.map((s, j) => (j === i ? { ...s, members, startedAt: iso(input.now) } : s)),
  };
  move(draft, input.now, RUNNER, spec?.name ?? "", "Running", "stage started", i);
  draft.events.push({
    type: "stage-started",
    at: iso(input.now),
    release: r.id,
    stage: spec?.name ?? "",
    members: members.length,
  });
}

function runOn(draft: Draft, input: PlanInput): "needs-candidates" | "done" {
  for (let i = 0; i < draft.release.stages.length; i += 1) {
    const stage = draft.release.stages[i] as StageRecord;
    const spec = draft.release.spec.stages[i];
    if (stage.state === "Successful") continue;
    if (stage.state === "Pending") {
      const checkpoint = spec?.checkpoint ?? "none";
      if (checkpoint !== "none") {
        move(draft, input.now, RUNNER, stage.name, `Waiting for ${checkpoint}`, "checkpoint", i);
        draft.events.push({
          type: "stage-waiting",
          at: iso(input.now),
          release: draft.release.id,
          stage: stage.name,
          checkpoint,
        });
        return "done";
      }
      if (input.candidates === null) return "needs-candidates";
      startStage(draft, input, i);
    }
    const running = draft.release.stages[i] as StageRecord;
    if (running.state !== "Running") return "done";
    const seen = running.members.map((m) => ({ m, obs: input.observe(m.key) }));
    if (seen.some(({ m, obs }) => obs?.requestId === m.requestId && obs.status === "Failed")) {
      move(draft, input.now, RUNNER, stage.name, "Failed", "a row failed", i);
      move(draft, input.now, RUNNER, "release", "Failed", `stage ${stage.name} failed`);
      return "done";
    }
    const allOk = seen.every(
      ({ m, obs }) =>
        obs?.requestId === m.requestId &&
        obs.status === "OK" &&
        obs.activeVersion === draft.release.spec.version,
    );
    if (!allOk) return "done";
    move(draft, input.now, RUNNER, stage.name, "Successful", "every row OK", i);
    draft.events.push({
      type: "stage-ended",
      at: iso(input.now),
      release: draft.release.id,
      stage: stage.name,
      state: "Successful",
      reason: "every row OK",
    });
  }
  move(draft, input.now, RUNNER, "release", "Successful", "every stage Successful");
  draft.events.push({
    type: "release-ended",
    at: iso(input.now),
    release: draft.release.id,
    state: "Successful",
    reason: "every stage Successful",
  });
  return "done";
}

function finish(input: PlanInput, draft: Draft, outcome: "needs-candidates" | "done"): ReleasePlan {
  if (outcome === "needs-candidates")
    return {
      release: input.release,
      changed: false,
      sends: [],
      events: [],
      needsCandidates: true,
      wakeAt: null,
    };
  return {
    release: draft.release,
    changed: draft.release !== input.release,
    sends: draft.sends,
    events: draft.events,
    needsCandidates: false,
    wakeAt: null,
  };
}

export function standInPlanRelease(input: PlanInput): ReleasePlan {
  const draft: Draft = { release: input.release, sends: [], events: [] };
  if (input.release.state !== "Running") return finish(input, draft, "done");
  return finish(input, draft, runOn(draft, input));
}

export function standInPlanOperation(
  input: PlanInput,
  operation: ReleaseOperation,
  actor: ReleaseActor,
): Result<ReleasePlan> {
  const draft: Draft = { release: input.release, sends: [], events: [] };
  const r = input.release;
  const current = r.stages.findIndex((s) => s.state !== "Successful");
  const stage = r.stages[current];
  switch (operation.kind) {
    case "start":
      if (r.state !== "Ready") return err(`the release task is ${r.state}: it has started`);
      move(draft, input.now, actor.name, "release", "Running", "started");
      return ok(finish(input, draft, runOn(draft, input)));
    case "approve":
    case "reject": {
      if (r.state !== "Running" || stage?.state !== "Waiting for approval")
        return err(`the release task is ${r.state}: no stage waits for an approval`);
      if (actor.approvalRefused !== null) return err(actor.approvalRefused);
      const verdict = operation.kind === "approve" ? "approved" : "rejected";
      draft.release = {
        ...r,
        decisions: [
          ...r.decisions,
          {
            at: iso(input.now),
            who: actor.name,
            stage: stage.name,
            verdict,
            comment: operation.comment,
          },
        ],
      };
      if (operation.kind === "reject") {
        move(draft, input.now, actor.name, stage.name, "Cancelled", "rejected", current);
        move(draft, input.now, actor.name, "release", "Rejected", "rejected");
        return ok(finish(input, draft, "done"));
      }
      if (input.candidates === null) return ok(finish(input, draft, "needs-candidates"));
      startStage(draft, input, current);
      return ok(finish(input, draft, runOn(draft, input)));
    }
    case "pause":
      if (r.state !== "Running") return err(`the release task is ${r.state}: not Running`);
      move(draft, input.now, actor.name, "release", "Paused", "paused");
      return ok(finish(input, draft, "done"));
    default:
      return err(`the release task is ${r.state}: ${operation.kind} is not in the stand-in`);
  }
}

export const standInPlanner: ReleasePlanner = {
  planRelease: standInPlanRelease,
  planOperation: standInPlanOperation,
};

/** A new release as newRelease makes it (Ready, stages Pending). */
export function standInNewRelease(
  id: string,
  spec: ReleaseRecord["spec"],
  createdBy: string,
  now: number,
): ReleaseRecord {
  return {
    id,
    spec,
    state: "Ready",
    createdBy,
    createdAt: iso(now),
    stages: spec.stages.map((s) => ({
      name: s.name,
      state: "Pending",
      startedAt: null,
      endedAt: null,
      reason: null,
      members: [],
      skipped: [],
    })),
    history: [
      {
        at: iso(now),
        who: createdBy,
        subject: "release",
        from: "-",
        to: "Ready",
        reason: "created",
      },
    ],
    decisions: [],
    rolledBack: [],
  };
}
