import { err, NO_UPDATE, ok, type Result } from "@tillroll/protocol";
import type { Operator } from "../accounts/identity.js";
import { checkChangeScope } from "../accounts/scope.js";
import type { RetryRequest, SetPreferredRequest } from "../api/requests.js";
import { type Filters, groupMatchesAny } from "../fleet/filters.js";
import { selectRows } from "../fleet/row-selection.js";
import { rowKey } from "../fleet/service-row.js";
import { type WorkstationRecord, wsKey } from "../state/coordinator-state.js";
import { applyPlanUnlessDry } from "./apply-plan.js";
import { type ChangeReport, isoNow, type OperationsDeps, offeredPacks } from "./operations-deps.js";
import { type InstallTarget, planRetry, planSetPreferred, type RowChange } from "./plan-changes.js";
import { skipWithdrawn, withdrawnRefusal } from "./withdrawn.js";

/**
 * The console's changes of preferred versions (set-preferred, retry): plan
 * (pure), check the scope, then persist desired state and rows, publish,
 * audit; a dry run or a plan that changes nothing writes nothing.
 */
export class RowChanges {
  constructor(private readonly deps: OperationsDeps) {}

  async setPreferred(request: SetPreferredRequest, who: Operator): Promise<Result<ChangeReport>> {
    const { version, filters } = request;
    const fn = request.function;
    const packs = await offeredPacks(this.deps, fn);
    const chosen = version === NO_UPDATE ? null : await this.deps.packs.get({ name: fn, version });
    if (chosen === undefined) {
      return err(
        `no published pack ${fn} ${version}: publish it first (tillroll pack publish FILE)`,
      );
    }
    if (chosen?.withdrawnAt !== undefined) return err(withdrawnRefusal(chosen));
    const picked = selectRows(filters, request.rows);
    const rows = (await this.deps.fleet.query(picked.filters)).filter(picked.keeps);
    const targets = request.install
      ? (await this.installTargets(fn, picked.filters)).filter(picked.keeps)
      : [];
    const plan = this.skipHeld(planSetPreferred(rows, version, packs, targets));
    const inScope = await this.checkScope(who, plan);
    if (!inScope.ok) return inScope;
    const iso = request.validFrom ?? isoNow(this.deps);
    return ok(
      await applyPlanUnlessDry(this.deps, plan, request.dryRun, who, {
        action: "set-preferred",
        details: {
          function: fn,
          version,
          validFrom: iso,
          install: request.install,
          filters,
          ...rowsDetail(request.rows),
          all: request.all,
          ...(request.drain == null ? {} : { drain: request.drain }),
        },
        validFrom: iso,
        drain: request.drain ?? null,
      }),
    );
  }

  async retry(request: RetryRequest, who: Operator): Promise<Result<ChangeReport>> {
    const picked = selectRows(request.filters, request.rows);
    const rows = (await this.deps.fleet.query(picked.filters)).filter(picked.keeps);
    // The packs the plan may name, read once: withdrawn ones are skipped.
    const packs = new Map((await this.deps.packs.list()).map((p) => [`${p.name}@${p.version}`, p]));
    const plan = this.skipHeld(skipWithdrawn(planRetry(rows), (f, v) => packs.get(`${f}@${v}`)));
    const inScope = await this.checkScope(who, plan);
    if (!inScope.ok) return inScope;
    return ok(
      await applyPlanUnlessDry(this.deps, plan, request.dryRun, who, {
        action: "retry",
        details: { filters: request.filters, ...rowsDetail(request.rows), all: request.all },
        validFrom: null,
      }),
    );
  }

  /**
   * A row an active release task holds is changed through the release only
   * (issue 10): set-preferred and retry skip it, naming the release (that
   * reason first: whatever else stands in the way, the release decides).
   */
  private skipHeld(plan: RowChange[]): RowChange[] {
    const holding = this.deps.releaseHolding;
    if (holding === undefined) return plan;
    return plan.map((change) => {
      const release = holding(rowKey(change));
      if (release === undefined) return change;
      return {
        kind: "skip",
        store: change.store,
        workstation: change.workstation,
        function: change.function,
        reason: `in release task ${release.id} ${JSON.stringify(release.name)}: change it through the release`,
      };
    });
  }

  /**
   * Scope (issue 9): every row a change reaches, changed or skipped (install
   * targets included), must lie in the caller's scope, or nothing happens,
   * dry run or not. A row's group is its fleet row's, or its workstation's.
   */
  private async checkScope(who: Operator, plan: readonly RowChange[]): Promise<Result<void>> {
    // The platform admin reaches everything: no reads for it.
    if (who.scope === null) return ok(undefined);
    // Each workstation's record read once, not once per row.
    const recordOf = new Map<string, WorkstationRecord | undefined>();
    const reached: { store: string; workstation: string; group: string | null }[] = [];
    for (const change of plan) {
      const key = wsKey(change);
      let group = (await this.deps.fleet.get(rowKey(change)))?.group ?? null;
      if (group === null) {
        if (!recordOf.has(key)) recordOf.set(key, await this.deps.workstations.get(change));
        group = recordOf.get(key)?.group ?? null;
      }
      reached.push({ store: change.store, workstation: change.workstation, group });
    }
    return checkChangeScope(who, reached);
  }

  /**
   * Enrolled workstations matched by store / workstation / group that lack
   * the function. A missing row has no status, versions or valid-from, so a
   * filter on those that could not hold for "nothing installed, nothing
   * planned" leaves no target (it must not widen the change).
   */
  private async installTargets(fn: string, filters: Filters): Promise<InstallTarget[]> {
    const targets: InstallTarget[] = [];
    if (filters.status !== undefined) return targets;
    if (filters.validFromFrom !== undefined || filters.validFromTo !== undefined) return targets;
    if (filters.activeVersion !== undefined && !filters.activeVersion.includes(null))
      return targets;
    if (filters.preferredVersion !== undefined && !filters.preferredVersion.includes(null))
      return targets;
    const withFunction = new Set(
      (await this.deps.fleet.query({ function: [fn] })).map((row) => wsKey(row)),
    );
    for (const ws of await this.deps.workstations.list()) {
      if (filters.store !== undefined && !filters.store.includes(ws.store)) continue;
      if (filters.workstation !== undefined && !filters.workstation.includes(ws.workstation))
        continue;
      if (filters.group !== undefined && !groupMatchesAny(ws.group, filters.group)) continue;
      if (withFunction.has(wsKey(ws))) continue;
      targets.push({ store: ws.store, workstation: ws.workstation, function: fn });
    }
    return targets;
  }
}

/** The audit's note of a change narrowed to picked rows: how many (the changed ones are in `touched`). */
function rowsDetail(rows: readonly unknown[] | undefined): { rows?: number } {
  return rows === undefined ? {} : { rows: rows.length };
}
