import type { Operator } from "../accounts/identity.js";
import { canApprove } from "../accounts/permissions.js";
import { describeScope, isPlatformAdmin, scopeContains } from "../accounts/scope.js";
import { newRelease } from "../releases/new-release.js";
import { forcedRefusal } from "../releases/plan-operation.js";
import { downgradeCheck, groupsOf } from "../releases/release-admission.js";
import type {
  ReleaseConsole,
  ReleaseRefusalCode,
  ReleaseResult,
} from "../releases/release-console.js";
import { blackoutOver, blackoutRefusal } from "../releases/release-context.js";
import type {
  ReleaseOperation,
  ReleaseRecord,
  ReleaseSpec,
  ReleaseSummary,
  ReleaseView,
} from "../releases/release-model.js";
import type { ReleaseRunner } from "../releases/release-runner.js";
import { scheduledStart, scheduleRefusal } from "../releases/release-spec.js";
import { summariseRelease, viewRelease } from "../releases/release-view.js";
import { NoLeaderError, type ReleaseCommands } from "../replicas/release-commands.js";
import type { ReleaseStore } from "../store/release-store.js";
import { type OperationsDeps, recordAction } from "./operations-deps.js";

/** What the console's release operations are built from. */
export interface ReleaseOperationsDeps extends Pick<OperationsDeps, "audit" | "now"> {
  readonly releases: ReleaseStore;
  /**
   * The runner's reads (target rows, issue 11's context, the members as observed) and
   * its commands: issue 14: on a follower the commands go to the leader's runner.
   */
  readonly runner: Pick<ReleaseRunner, "targetRows" | "context" | "observer"> &
    Pick<ReleaseCommands, "created" | "operate">;
}

function refused<T>(code: ReleaseRefusalCode, error: string): ReleaseResult<T> {
  return { ok: false, code, error };
}

function done<T>(value: T): ReleaseResult<T> {
  return { ok: true, value };
}

/**
 * The console's release tasks (issue 10): create, list, show and the
 * operations, each checked against the caller's scope (a scoped operator
 * reaches only releases whose target.group lies inside its scope; a
 * release without a group reaches the whole fleet), carried out by the
 * runner (saved before anything is sent) and audited (`release create`,
 * `release start`, …).
 */
export class ReleaseOperations implements ReleaseConsole {
  constructor(private readonly deps: ReleaseOperationsDeps) {}

  /**
   * Creates a task after issue 11's checks: a schedule time in the future,
   * no blackout over its start (now, or its `at`) covering a target row, no
   * downgrade without allowDowngrade (with it: a warning in the answer).
   */
  async create(spec: ReleaseSpec, who: Operator): Promise<ReleaseResult<ReleaseView>> {
    const outside = scopeRefusal(spec, who);
    if (outside !== null) return refused("forbidden", outside);
    const now = this.deps.now();
    const past = scheduleRefusal(spec, now);
    if (past !== null) return refused("invalid", past);
    const rows = await this.deps.runner.targetRows(spec);
    const startAt = scheduledStart(spec, now) ?? now;
    const blackout = blackoutOver(this.deps.runner.context, groupsOf(rows), startAt);
    if (blackout !== undefined) return refused("conflict", blackoutRefusal(blackout));
    const downgrade = downgradeCheck(spec, rows);
    if (!downgrade.ok) return refused("conflict", downgrade.error);
    const release = await this.deps.releases.create((id) => newRelease(id, spec, who.name, now));
    await recordAction(this.deps, who, "release create", detailsOf(release), [], 0);
    // Known to the runner, task.planned in the outbox, started when due now. The record
    // carries the task.planned marker until then: a stop in between loses no notice.
    const noticeWarnings = await this.deps.runner.created(release, rows);
    const current = (await this.deps.releases.get(release.id)) ?? release;
    const view = await this.view(current);
    const warnings = [...downgrade.warnings, ...noticeWarnings];
    return done(warnings.length > 0 ? { ...view, warnings } : view);
  }

  async list(viewer: Operator): Promise<ReleaseResult<ReleaseSummary[]>> {
    const visible = (await this.deps.releases.list())
      .filter((release) => scopeRefusal(release.spec, viewer) === null)
      .reverse();
    const summaries: ReleaseSummary[] = [];
    for (const release of visible) summaries.push(summariseRelease(await this.view(release)));
    return done(summaries);
  }

  async show(id: string, viewer: Operator): Promise<ReleaseResult<ReleaseView>> {
    const found = await this.find(id, viewer);
    return found.ok ? done(await this.view(found.value)) : found;
  }

  async operate(
    id: string,
    operation: ReleaseOperation,
    who: Operator,
  ): Promise<ReleaseResult<ReleaseView>> {
    const found = await this.find(id, who);
    if (!found.ok) return found;
    const judged = operation.kind === "approve" || operation.kind === "reject";
    if (judged && operation.comment.trim() === "")
      return refused("invalid", `${operation.kind} needs a comment: say why (--comment TEXT)`);
    const allowed = judged ? canApprove(who, { createdBy: found.value.createdBy }) : { ok: true };
    const approvalRefused = "message" in allowed ? allowed.message : null;
    if (operation.kind === "start" && ["Ready", "Scheduled"].includes(found.value.state)) {
      // Issue 11: no start inside a blackout covering one of its rows.
      const rows = await this.deps.runner.targetRows(found.value.spec);
      const blackout = blackoutOver(this.deps.runner.context, groupsOf(rows), this.deps.now());
      if (blackout !== undefined) return refused("conflict", blackoutRefusal(blackout));
    }
    let outcome: Awaited<ReturnType<ReleaseCommands["operate"]>>;
    try {
      outcome = await this.deps.runner.operate(id, operation, {
        name: who.name,
        approvalRefused,
        platformAdmin: isPlatformAdmin(who),
      });
    } catch (error) {
      // Issue 14: a follower handed it to the leader and none carried it out in time.
      if (error instanceof NoLeaderError) return refused("unavailable", error.message);
      throw error;
    }
    if (!outcome.ok) {
      if (approvalRefused !== null && outcome.error === approvalRefused)
        return refused("forbidden", outcome.error);
      if (outcome.error === forcedRefusal(id)) return refused("forbidden", outcome.error);
      if (outcome.error === `no release task ${id}`) return refused("not-found", outcome.error);
      return refused("conflict", outcome.error);
    }
    const { release, sends } = outcome.value;
    await recordAction(
      this.deps,
      who,
      `release ${operation.kind}`,
      {
        ...detailsOf(release),
        ...("comment" in operation ? { comment: operation.comment } : {}),
      },
      sends.map((send) => send.key),
      0,
    );
    return done(await this.view(release));
  }

  /** The release, if it exists and lies in the caller's scope. */
  private async find(id: string, who: Operator): Promise<ReleaseResult<ReleaseRecord>> {
    const release = await this.deps.releases.get(id);
    if (release === undefined) return refused("not-found", `no release task ${id}`);
    const outside = scopeRefusal(release.spec, who);
    if (outside !== null) return refused("forbidden", `release task ${id}: ${outside}`);
    return done(release);
  }

  private async view(release: ReleaseRecord): Promise<ReleaseView> {
    const observe = await this.deps.runner.observer(release);
    return viewRelease(release, observe, this.deps.now());
  }
}

function detailsOf(release: ReleaseRecord): Record<string, unknown> {
  return { id: release.id, name: release.spec.name };
}

/**
 * Why a release lies outside an operator's scope, or null when it lies
 * inside: every group of its target must be inside the scope; a target
 * without groups reaches the whole fleet.
 */
export function scopeRefusal(spec: ReleaseSpec, who: Operator): string | null {
  if (who.scope === null) return null;
  const groups = spec.target.group;
  if (groups === undefined || groups.length === 0)
    return `refused: the release task reaches the whole fleet, outside your scope ${describeScope(who.scope)}: give target.group inside it`;
  const outside = groups.filter((group) => !scopeContains(who.scope, group));
  if (outside.length === 0) return null;
  return `refused: target.group ${outside.join(", ")} lies outside your scope ${describeScope(who.scope)}`;
}
