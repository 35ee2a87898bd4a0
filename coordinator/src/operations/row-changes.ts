import { randomBytes } from "node:crypto";
import { type Artifact, err, NO_UPDATE, ok, type Result } from "@tillroll/protocol";
import type { Operator } from "../accounts/identity.js";
import { checkChangeScope } from "../accounts/scope.js";
import type { RetryRequest, SetPreferredRequest } from "../api/requests.js";
import { type Filters, groupMatchesAny } from "../fleet/filters.js";
import { rowKey, type ServiceRow } from "../fleet/service-row.js";
import { type DesiredEntry, type WorkstationRecord, wsKey } from "../state/coordinator-state.js";
import type { DesiredChange } from "../store/desired-store.js";
import {
  type ChangeReport,
  isoNow,
  type OperationsDeps,
  offeredPacks,
  recordAction,
} from "./operations-deps.js";
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
    const rows = await this.deps.fleet.query(filters);
    const targets = request.install ? await this.installTargets(fn, filters) : [];
    const plan = planSetPreferred(rows, version, packs, targets);
    const inScope = await this.checkScope(who, plan);
    if (!inScope.ok) return inScope;
    const iso = request.validFrom ?? isoNow(this.deps);
    return this.applyUnlessDry(
      plan,
      request.dryRun,
      who,
      "set-preferred",
      {
        function: fn,
        version,
        validFrom: iso,
        install: request.install,
        filters,
        all: request.all,
      },
      iso,
    );
  }

  async retry(request: RetryRequest, who: Operator): Promise<Result<ChangeReport>> {
    const rows = await this.deps.fleet.query(request.filters);
    // The packs the plan may name, read once: withdrawn ones are skipped.
    const packs = new Map((await this.deps.packs.list()).map((p) => [`${p.name}@${p.version}`, p]));
    const plan = skipWithdrawn(planRetry(rows), (f, v) => packs.get(`${f}@${v}`));
    const inScope = await this.checkScope(who, plan);
    if (!inScope.ok) return inScope;
    return this.applyUnlessDry(
      plan,
      request.dryRun,
      who,
      "retry",
      {
        filters: request.filters,
        all: request.all,
      },
      null,
    );
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
   * A dry run answers the plan and writes nothing; so does a plan that
   * changes no row (nothing matched, or every row skipped): no desired
   * state, no fleet row, no audit entry, no publish.
   */
  private async applyUnlessDry(
    plan: RowChange[],
    dryRun: boolean,
    who: Operator,
    action: string,
    details: Record<string, unknown>,
    validFrom: string | null,
  ): Promise<Result<ChangeReport>> {
    const changed = plan.filter((change) => change.kind === "apply");
    const skipped = plan.filter((change) => change.kind === "skip");
    if (dryRun || changed.length === 0) return ok({ changed, skipped, dryRun });
    const applied = await this.apply(plan, who, action, details, validFrom);
    return applied.ok ? ok({ ...applied.value, dryRun: false }) : applied;
  }

  private async apply(
    plan: RowChange[],
    who: Operator,
    action: string,
    details: Record<string, unknown>,
    validFrom: string | null,
  ): Promise<Result<Omit<ChangeReport, "dryRun">>> {
    const changed = plan.filter((change) => change.kind === "apply");
    const skipped = plan.filter((change) => change.kind === "skip");
    const touchedWs = new Set<string>();
    const entries: DesiredChange[] = [];
    const rows: ServiceRow[] = [];
    // Read once per workstation and pack, not once per row: a change may reach 10,000 rows.
    const desiredOf = new Map<string, Record<string, DesiredEntry>>();
    const recordOf = new Map<string, WorkstationRecord | undefined>();
    const artifacts = new Map<string, Artifact | null>();
    for (const change of changed) {
      const key = wsKey(change);
      if (!desiredOf.has(key)) {
        desiredOf.set(key, await this.deps.desiredState.servicesOf(change));
        recordOf.set(key, await this.deps.workstations.get(change));
      }
      const before = desiredOf.get(key)?.[change.function];
      const row = await this.deps.fleet.get(rowKey(change));
      const version = change.preferredVersion;
      const packKey = `${change.function}@${version}`;
      if (version !== null && !artifacts.has(packKey))
        artifacts.set(packKey, await this.artifactOf(change.function, version));
      const artifact = version === null ? null : (artifacts.get(packKey) ?? null);
      const requestId =
        version === null
          ? null
          : change.newRequest
            ? newRequestId()
            : (before?.requestId ?? newRequestId());
      const from = version === null ? null : (validFrom ?? before?.validFrom ?? isoNow(this.deps));
      entries.push({
        ref: { store: change.store, workstation: change.workstation },
        function: change.function,
        entry: { preferredVersion: version, validFrom: from, requestId, artifact },
      });
      touchedWs.add(key);
      rows.push({
        store: change.store,
        workstation: change.workstation,
        function: change.function,
        activeVersion: row?.activeVersion ?? null,
        preferredVersion: version,
        status: change.status,
        phase: null,
        progress: null,
        reason: change.status === "Failed" ? (row?.reason ?? "update failed") : null,
        validFrom: from,
        requestId,
        group: row?.group ?? recordOf.get(key)?.group ?? null,
        online: this.deps.isOnline(key),
        updatedAt: isoNow(this.deps),
      });
    }
    // Write before you act: the desired state and the seqs of the documents
    // that carry it are durable (one write) before anything is published, and
    // so are the rows (one journal append): a success answer loses nothing.
    const refs = [...touchedWs].map((key) => {
      const [store = "", workstation = ""] = key.split("/");
      return { store, workstation };
    });
    // A workstation removed since the plan was made (workstation remove) gets nothing back.
    const { firstSeq } = await this.deps.desiredState.applyChange({
      entries,
      documents: refs.length,
    });
    const stillEnrolled = new Set<string>();
    for (const ref of refs)
      if ((await this.deps.workstations.get(ref)) !== undefined) stillEnrolled.add(wsKey(ref));
    const enrolled = (ref: { store: string; workstation: string }) => stillEnrolled.has(wsKey(ref));
    await this.deps.fleet.upsertRows(rows.filter(enrolled));
    await this.deps.desired.send(refs.filter(enrolled), firstSeq);
    await recordAction(
      this.deps,
      who,
      action,
      details,
      changed.map((c) => rowKey(c)),
      skipped.length,
    );
    return ok({ changed, skipped });
  }

  private async artifactOf(fn: string, version: string): Promise<Artifact | null> {
    const pack = await this.deps.packs.get({ name: fn, version });
    if (pack === undefined) return null;
    return {
      url: `${this.deps.packBaseUrl}/packs/${pack.sha256}.tgz`,
      sha256: pack.sha256,
      size: pack.size,
    };
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

function newRequestId(): string {
  return `r-${randomBytes(6).toString("hex")}`;
}
