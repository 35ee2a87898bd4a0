import { randomBytes } from "node:crypto";
import type { AgentConfigInput } from "@tillroll/agent";
import {
  type Artifact,
  allowedVersions,
  err,
  groupMatches,
  groupSchema,
  NO_UPDATE,
  ok,
  type Result,
  SEMVER_PATTERN,
  storeIdSchema,
  validate,
  workstationIdSchema,
} from "@tillroll/protocol";
import type { AuditLog } from "../audit/audit-log.js";
import { generateSecret, hashSecretAsync } from "../broker/credentials.js";
import { agentUsername, posUsername } from "../broker/usernames.js";
import type { DesiredPublisher } from "../desired/desired-publisher.js";
import { type Filters, parseFilters } from "../fleet/filters.js";
import type { FleetStore } from "../fleet/fleet-store.js";
import { rowKey, type ServiceRow } from "../fleet/service-row.js";
import type { PackRecord } from "../packs/pack-record.js";
import type { PackStore } from "../packs/pack-store.js";
import { wsKey } from "../state/coordinator-state.js";
import type { StateStore } from "../state/state-store.js";
import { type InstallTarget, planRetry, planSetPreferred, type RowChange } from "./plan-changes.js";

export interface OperationsDeps {
  state: StateStore;
  fleet: FleetStore;
  packs: PackStore;
  audit: AuditLog;
  desired: DesiredPublisher;
  publicKey: string;
  /** Broker URL as agents reach it, for generated agent configs. */
  agentBrokerUrl: string;
  /** Base URL agents download packs from. */
  packBaseUrl: string;
  now: () => number;
  /** Whether a workstation's agent is connected; rows show it when read. */
  isOnline: (key: string) => boolean;
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
  agentConfig: AgentConfigInput;
}

export interface ChangeReport {
  changed: RowChange[];
  skipped: RowChange[];
}

/** The console's operations: validate, decide (pure planners), persist, publish, audit. */
export class ConsoleOperations {
  constructor(private readonly deps: OperationsDeps) {}

  private iso(): string {
    return new Date(this.deps.now()).toISOString();
  }

  async enrol(input: EnrolInput, who: string): Promise<Result<EnrolResult>> {
    const enrolled = await this.enrolMany([input], who);
    return enrolled.ok ? ok(enrolled.value[0] as EnrolResult) : enrolled;
  }

  /**
   * Enrols many workstations at once (a store roll-out, a simulator): all
   * are checked first and either all are enrolled, with one durable write,
   * or none is, with the first problem named.
   */
  async enrolMany(inputs: readonly EnrolInput[], who: string): Promise<Result<EnrolResult[]>> {
    const { state } = this.deps.state;
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
      if (state.workstations[key] !== undefined || seen.has(key))
        return err(`workstation ${key} is already enrolled`);
      seen.add(key);
      checked.push({ store: store.value, workstation: workstation.value, group: group.value });
    }
    const results: EnrolResult[] = [];
    for (const ws of checked) {
      const password = generateSecret();
      const posPassword = generateSecret();
      const [agentSecretHash, posSecretHash] = await Promise.all([
        hashSecretAsync(password),
        hashSecretAsync(posPassword),
      ]);
      state.workstations[wsKey(ws)] = {
        ...ws,
        agentSecretHash,
        posSecretHash,
        enrolledAt: this.iso(),
      };
      results.push(this.enrolResult(ws, password, posPassword));
    }
    await this.deps.state.save();
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
    const username = agentUsername(ws.store, ws.workstation);
    const agentConfig: AgentConfigInput = {
      store: ws.store,
      workstation: ws.workstation,
      ...(ws.group === null ? {} : { group: ws.group }),
      broker: this.deps.agentBrokerUrl,
      username,
      password,
      root: "/opt/tillroll/functions",
      state: "/var/lib/tillroll",
      coordinatorKey: this.deps.publicKey,
      readiness: [{ type: "session" }],
      recheckSeconds: 30,
      serviceManager: "process",
    };
    return {
      store: ws.store,
      workstation: ws.workstation,
      username,
      password,
      posUsername: posUsername(ws.store, ws.workstation),
      posPassword,
      agentConfig,
    };
  }

  async publishPack(filePath: string, who: string): Promise<Result<PackRecord>> {
    const published = await this.deps.packs.publish(filePath);
    if (published.ok) {
      const { name, version, sha256 } = published.value;
      await this.record(who, "pack publish", { name, version, sha256 }, [`${name}@${version}`], 0);
    }
    return published;
  }

  status(query: Record<string, string>): Result<ServiceRow[]> {
    const filters = parseFilters(query);
    if (!filters.ok) return filters;
    return ok(
      this.deps.fleet.table.query(filters.value).map((row) => {
        const online = this.deps.isOnline(wsKey(row));
        return row.online === online ? row : { ...row, online };
      }),
    );
  }

  versions(
    query: Record<string, string>,
  ): Result<{ function: string; rows: number; versions: { version: string; rows: number }[] }> {
    const filters = this.functionFilters(query);
    if (!filters.ok) return filters;
    const fn = filters.value.function as string;
    const rows = this.deps.fleet.table.query(filters.value);
    const packs = this.packInfo(fn);
    const counts = new Map<string, number>();
    for (const row of rows.length > 0 ? rows : [null]) {
      for (const version of allowedVersions(row?.activeVersion ?? null, packs)) {
        counts.set(version, (counts.get(version) ?? 0) + (row === null ? 0 : 1));
      }
    }
    const versions = [...counts].map(([version, n]) => ({ version, rows: n }));
    return ok({ function: fn, rows: rows.length, versions });
  }

  async setPreferred(body: Record<string, unknown>, who: string): Promise<Result<ChangeReport>> {
    const version = typeof body.version === "string" ? body.version : "";
    if (version !== NO_UPDATE && !SEMVER_PATTERN.test(version)) {
      return err(`version: ${JSON.stringify(body.version ?? null)} is not a semver version or "-"`);
    }
    const validFrom =
      body.validFrom === undefined || body.validFrom === null ? this.iso() : String(body.validFrom);
    if (Number.isNaN(Date.parse(validFrom)) || !/^\d{4}-\d\d-\d\dT/.test(validFrom)) {
      return err(
        `valid-from: ${JSON.stringify(validFrom)} is not an ISO 8601 timestamp (like 2026-11-21T22:00:00Z)`,
      );
    }
    const filters = this.functionFilters(asQuery(body.filters, body.function));
    if (!filters.ok) return filters;
    const fn = filters.value.function as string;
    const packs = this.packInfo(fn);
    if (version !== NO_UPDATE && this.deps.packs.get(fn, version) === undefined) {
      return err(
        `no published pack ${fn} ${version}: publish it first (tillroll pack publish FILE)`,
      );
    }
    const rows = this.deps.fleet.table.query(filters.value);
    const targets = body.install === true ? this.installTargets(fn, filters.value) : [];
    const plan = planSetPreferred(rows, version, packs, targets);
    const iso = new Date(Date.parse(validFrom)).toISOString();
    return this.apply(
      plan,
      who,
      "set-preferred",
      {
        function: fn,
        version,
        validFrom: iso,
        install: body.install === true,
        filters: filters.value,
      },
      iso,
    );
  }

  async retry(body: Record<string, unknown>, who: string): Promise<Result<ChangeReport>> {
    const filters = parseFilters(asQuery(body.filters, body.function, false));
    if (!filters.ok) return filters;
    const rows = this.deps.fleet.table.query(filters.value);
    return this.apply(planRetry(rows), who, "retry", { filters: filters.value }, null);
  }

  private async apply(
    plan: RowChange[],
    who: string,
    action: string,
    details: Record<string, unknown>,
    validFrom: string | null,
  ): Promise<Result<ChangeReport>> {
    const { state } = this.deps.state;
    const changed = plan.filter((change) => change.kind === "apply");
    const skipped = plan.filter((change) => change.kind === "skip");
    const touchedWs = new Set<string>();
    const rows: ServiceRow[] = [];
    for (const change of changed) {
      const key = wsKey(change);
      const services = state.desired[key] ?? {};
      state.desired[key] = services;
      const before = services[change.function];
      const row = this.deps.fleet.table.get(rowKey(change));
      const version = change.preferredVersion;
      const artifact = version === null ? null : this.artifactOf(change.function, version);
      const requestId =
        version === null
          ? null
          : change.newRequest
            ? newRequestId()
            : (before?.requestId ?? newRequestId());
      const from = version === null ? null : (validFrom ?? before?.validFrom ?? this.iso());
      services[change.function] = {
        preferredVersion: version,
        validFrom: from,
        requestId,
        artifact,
      };
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
        group: row?.group ?? state.workstations[key]?.group ?? null,
        online: this.deps.isOnline(key),
        updatedAt: this.iso(),
      });
    }
    // Write before you act: the desired state and the seqs of the documents
    // that carry it are durable (one write) before anything is published.
    // Rows follow with the next coalesced fleet write: they are a view.
    const refs = [...touchedWs].map((key) => {
      const [store = "", workstation = ""] = key.split("/");
      return { store, workstation };
    });
    const firstSeq = this.deps.desired.reserveSeqs(refs.length);
    await this.deps.state.save();
    this.deps.fleet.upsert(rows);
    await this.deps.desired.send(refs, firstSeq);
    await this.record(
      who,
      action,
      details,
      changed.map((c) => rowKey(c)),
      skipped.length,
    );
    return ok({ changed, skipped });
  }

  private functionFilters(query: Record<string, string>): Result<Filters> {
    const filters = parseFilters(query);
    if (!filters.ok) return filters;
    if (filters.value.function === undefined) return err("function: is required (--function F)");
    return filters;
  }

  private packInfo(fn: string): { version: string; updatableFrom?: string }[] {
    return this.deps.packs.list(fn).map((pack) => ({
      version: pack.version,
      ...(pack.updatableFrom === null ? {} : { updatableFrom: pack.updatableFrom }),
    }));
  }

  private artifactOf(fn: string, version: string): Artifact | null {
    const pack = this.deps.packs.get(fn, version);
    if (pack === undefined) return null;
    return {
      url: `${this.deps.packBaseUrl}/packs/${pack.sha256}.tgz`,
      sha256: pack.sha256,
      size: pack.size,
    };
  }

  /** Enrolled workstations matched by store / workstation / group that lack the function. */
  private installTargets(fn: string, filters: Filters): InstallTarget[] {
    const targets: InstallTarget[] = [];
    for (const ws of Object.values(this.deps.state.state.workstations)) {
      if (filters.store !== undefined && ws.store !== filters.store) continue;
      if (filters.workstation !== undefined && ws.workstation !== filters.workstation) continue;
      if (filters.group !== undefined && !groupMatches(ws.group, filters.group)) continue;
      if (this.deps.fleet.table.has(rowKey({ ...ws, function: fn }))) continue;
      targets.push({ store: ws.store, workstation: ws.workstation, function: fn });
    }
    return targets;
  }

  auditEntries(): Promise<import("../audit/audit-log.js").AuditEntry[]> {
    return this.deps.audit.list();
  }

  private async record(
    who: string,
    action: string,
    details: Record<string, unknown>,
    touched: string[],
    skipped: number,
  ): Promise<void> {
    await this.deps.audit.append({ at: this.iso(), who, action, details, touched, skipped });
  }
}

function newRequestId(): string {
  return `r-${randomBytes(6).toString("hex")}`;
}

/** Filters arrive as an object of strings (the console sends query-parameter names). */
function asQuery(filters: unknown, fn: unknown, needFunction = true): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof filters === "object" && filters !== null) {
    for (const [name, value] of Object.entries(filters))
      if (typeof value === "string") out[name] = value;
  }
  if (typeof fn === "string") out.function = fn;
  else if (needFunction && out.function === undefined) delete out.function;
  return out;
}
