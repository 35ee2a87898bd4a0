import { randomBytes } from "node:crypto";
import type { AgentConfigInput } from "@tillroll/protocol";
import {
  type Artifact,
  allowedVersions,
  err,
  groupSchema,
  NO_UPDATE,
  ok,
  type Result,
  storeIdSchema,
  validate,
  workstationIdSchema,
} from "@tillroll/protocol";
import { auditWho, filterByOperator } from "../accounts/audit-identity.js";
import type { Operator } from "../accounts/identity.js";
import { checkChangeScope, filterReadable } from "../accounts/scope.js";
import type { RetryRequest, SetPreferredRequest } from "../api/requests.js";
import type { AuditEntry } from "../audit/audit-log.js";
import { generateSecret, hashSecretAsync } from "../broker/credentials.js";
import type { DesiredPublisher } from "../desired/desired-publisher.js";
import { type Filters, groupMatchesAny } from "../fleet/filters.js";
import { rowKey, type ServiceRow } from "../fleet/service-row.js";
import type { StatusRow } from "../fleet/status-table.js";
import type { PackRecord } from "../packs/pack-record.js";
import { type DesiredEntry, type WorkstationRecord, wsKey } from "../state/coordinator-state.js";
import type { AuditStore } from "../store/audit-store.js";
import type { DesiredChange, DesiredStore } from "../store/desired-store.js";
import type { FleetRows } from "../store/fleet-rows.js";
import type { PackRecords } from "../store/pack-records.js";
import type { WorkstationStore } from "../store/workstation-store.js";
import { AUDIT_ANSWER_LIMIT, readableAudit } from "./audit-scope.js";
import { enrolmentOf, mosquittoLinesOf } from "./enrolment.js";
import { type InstallTarget, planRetry, planSetPreferred, type RowChange } from "./plan-changes.js";
import { newestFirst } from "./version-order.js";
import { skipWithdrawn, withdrawnRefusal } from "./withdrawn.js";

export interface OperationsDeps {
  workstations: WorkstationStore;
  /** The desired state as stored; `desired` publishes it. */
  desiredState: DesiredStore;
  fleet: FleetRows;
  packs: PackRecords;
  audit: AuditStore;
  desired: DesiredPublisher;
  publicKey: string;
  /** During a key rotation, the next signing key: agent configs then pin both. */
  nextPublicKey?: string | null;
  /** Broker URL as agents reach it, for generated agent configs. */
  agentBrokerUrl: string;
  /** Base URL agents download packs from. */
  packBaseUrl: string;
  /** With TLS: the CA (PEM) agents pin, handed out at enrolment; null: none to pin. */
  caPem?: string | null;
  now: () => number;
  /** Whether a workstation's agent is connected; rows show it when read. */
  isOnline: (key: string) => boolean;
  /** When a workstation's last status report was applied (ISO 8601), or null; rows show it when read. */
  lastReport: (key: string) => string | null;
}

export interface EnrolInput {
  store?: unknown;
  workstation?: unknown;
  group?: unknown;
}

export interface EnrolResult {
  store: string;
  workstation: string;
  username: string;
  password: string;
  posUsername: string;
  posPassword: string;
  /** `coordinatorKeys` (current and next key) only while a rotation is under way. */
  agentConfig: AgentConfigInput & { coordinatorKeys?: string[] };
  /**
   * With TLS: the CA (PEM) to save beside agent.json as `ca.pem` (the
   * config's `"ca": "ca.pem"` names it); absent without TLS.
   */
  caPem?: string;
}

/**
 * What a change did, row by row: the rows changed and the rows skipped with
 * their reasons. With `dryRun` the same plan, nothing written: the rows that
 * would change and would be skipped. Nothing matched: both lists empty.
 */
export interface ChangeReport {
  changed: RowChange[];
  skipped: RowChange[];
  dryRun: boolean;
}

export interface VersionsReport {
  function: string;
  rows: number;
  /** "-" (no update) first, then newest first in semver order. */
  versions: { version: string; rows: number }[];
}

/** The console's operations: validate, decide (pure planners), persist, publish, audit. */
export class ConsoleOperations {
  constructor(private readonly deps: OperationsDeps) {}

  private iso(): string {
    return new Date(this.deps.now()).toISOString();
  }

  async enrol(input: EnrolInput, who: Operator): Promise<Result<EnrolResult>> {
    const enrolled = await this.enrolMany([input], who);
    return enrolled.ok ? ok(enrolled.value[0] as EnrolResult) : enrolled;
  }

  /**
   * Enrols many workstations at once (a store roll-out, a simulator): all
   * are checked first and either all are enrolled, with one durable write,
   * or none is, with the first problem named.
   */
  async enrolMany(inputs: readonly EnrolInput[], who: Operator): Promise<Result<EnrolResult[]>> {
    const checked: { store: string; workstation: string; group: string | null }[] = [];
    const seen = new Set<string>();
    for (const [index, input] of inputs.entries()) {
      const where = inputs.length > 1 ? `workstations.${index}.` : "";
      const store = validate(storeIdSchema, input.store);
      if (!store.ok) return err(`${where}store: ${store.error}`);
      const workstation = validate(workstationIdSchema, input.workstation);
      if (!workstation.ok) return err(`${where}workstation: ${workstation.error}`);
      const group =
        input.group === undefined || input.group === null
          ? ok(null)
          : validate(groupSchema, input.group);
      if (!group.ok) return err(`${where}group: ${group.error}`);
      const key = wsKey({ store: store.value, workstation: workstation.value });
      if (
        seen.has(key) ||
        (await this.deps.workstations.get({
          store: store.value,
          workstation: workstation.value,
        })) !== undefined
      )
        return err(`workstation ${key} is already enrolled`);
      seen.add(key);
      checked.push({ store: store.value, workstation: workstation.value, group: group.value });
    }
    // Scope (issue 9): a partner admin enrols only into its own groups, all or none.
    const inScope = checkChangeScope(who, checked);
    if (!inScope.ok) return inScope;
    const results: EnrolResult[] = [];
    const records: WorkstationRecord[] = [];
    for (const ws of checked) {
      const password = generateSecret();
      const posPassword = generateSecret();
      const [agentSecretHash, posSecretHash] = await Promise.all([
        hashSecretAsync(password),
        hashSecretAsync(posPassword),
      ]);
      const mosquittoLines = mosquittoLinesOf(ws, password, posPassword);
      records.push({
        ...ws,
        agentSecretHash,
        posSecretHash,
        enrolledAt: this.iso(),
        mosquittoLines,
      });
      results.push(this.enrolResult(ws, password, posPassword));
    }
    // Checked again by the store: another enrolment may have landed while hashing.
    const enrolled = await this.deps.workstations.enrol(records);
    if (!enrolled.ok) return err(`workstation ${wsKey(enrolled.taken)} is already enrolled`);
    await this.record(
      who,
      "workstation add",
      { count: checked.length, first: checked[0] ?? null },
      [...seen],
      0,
    );
    return ok(results);
  }

  private enrolResult(
    ws: { store: string; workstation: string; group: string | null },
    password: string,
    posPassword: string,
  ): EnrolResult {
    return enrolmentOf(this.deps, ws, password, posPassword);
  }

  async publishPack(filePath: string, who: Operator): Promise<Result<PackRecord>> {
    const published = await this.deps.packs.publish(filePath);
    if (published.ok) {
      const { name, version, sha256 } = published.value;
      await this.record(who, "pack publish", { name, version, sha256 }, [`${name}@${version}`], 0);
    }
    return published;
  }

  async status(filters: Filters, viewer: Operator): Promise<Result<StatusRow[]>> {
    return ok(
      filterReadable(viewer, await this.deps.fleet.query(filters)).map((row) => {
        const key = wsKey(row);
        return { ...row, online: this.deps.isOnline(key), lastReport: this.deps.lastReport(key) };
      }),
    );
  }

  async versions(
    filters: Filters & { function: readonly [string] },
    viewer: Operator,
  ): Promise<Result<VersionsReport>> {
    const fn = filters.function[0];
    const rows = filterReadable(viewer, await this.deps.fleet.query(filters));
    const packs = await this.packInfo(fn);
    const counts = new Map<string, number>();
    for (const row of rows.length > 0 ? rows : [null]) {
      for (const version of allowedVersions(row?.activeVersion ?? null, packs)) {
        counts.set(version, (counts.get(version) ?? 0) + (row === null ? 0 : 1));
      }
    }
    const versions = newestFirst([...counts.keys()]).map((version) => ({
      version,
      rows: counts.get(version) ?? 0,
    }));
    return ok({ function: fn, rows: rows.length, versions });
  }

  async setPreferred(request: SetPreferredRequest, who: Operator): Promise<Result<ChangeReport>> {
    const { version, filters } = request;
    const fn = request.function;
    const packs = await this.packInfo(fn);
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
    const iso = request.validFrom ?? this.iso();
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
      const from = version === null ? null : (validFrom ?? before?.validFrom ?? this.iso());
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
        updatedAt: this.iso(),
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
    await this.record(
      who,
      action,
      details,
      changed.map((c) => rowKey(c)),
      skipped.length,
    );
    return ok({ changed, skipped });
  }

  private async packInfo(fn: string): Promise<{ version: string; updatableFrom?: string }[]> {
    // A withdrawn version is never offered nor planned; rows running it keep it.
    return (await this.deps.packs.list(fn))
      .filter((pack) => pack.withdrawnAt === undefined)
      .map((pack) => ({
        version: pack.version,
        ...(pack.updatableFrom === null ? {} : { updatableFrom: pack.updatableFrom }),
      }));
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

  /** The audit as `viewer` may read it (scope, issue 9), of one operator when `operator` is given. */
  async auditEntries(viewer: Operator, operator?: string): Promise<AuditEntry[]> {
    const entries = await this.deps.audit.list({ limit: Number.POSITIVE_INFINITY });
    const theirs = operator === undefined ? entries : filterByOperator(entries, operator);
    // The enrolled workstations' groups, read once (a removed one's comes from its entry).
    const groups = new Map<string, string | null>();
    if (viewer.scope !== null)
      for (const ws of await this.deps.workstations.list()) groups.set(wsKey(ws), ws.group);
    return readableAudit(viewer, theirs, (key) => groups.get(key)).slice(-AUDIT_ANSWER_LIMIT);
  }

  private async record(
    who: Operator,
    action: string,
    details: Record<string, unknown>,
    touched: string[],
    skipped: number,
  ): Promise<void> {
    await this.deps.audit.append({
      at: this.iso(),
      who: auditWho(who),
      action,
      details,
      touched,
      skipped,
    });
  }
}

function newRequestId(): string {
  return `r-${randomBytes(6).toString("hex")}`;
}
