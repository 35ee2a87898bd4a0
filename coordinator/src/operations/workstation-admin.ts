import { err, type OperatorMaintenance, ok, type Result } from "@tillroll/protocol";
import { auditWho } from "../accounts/audit-identity.js";
import type { Operator } from "../accounts/identity.js";
import { checkChangeScope, filterReadable } from "../accounts/scope.js";
import { generateSecret, hashSecretAsync } from "../broker/credentials.js";
import type { Filters } from "../fleet/filters.js";
import { groupMatchesAny } from "../fleet/filters.js";
import {
  type MaintenanceRequest,
  planMaintenanceSwitch,
} from "../maintenance/maintenance-switch.js";
import { type WorkstationRecord, wsKey } from "../state/coordinator-state.js";
import { enrolmentOf, mosquittoLinesOf } from "./enrolment.js";
import type { EnrolResult, OperationsDeps } from "./operations-deps.js";

/** A workstation's ref: `{store, workstation}`. */
export interface WorkstationRef {
  store: string;
  workstation: string;
}

export interface WorkstationAdminDeps extends OperationsDeps {
  /**
   * Closes the broker connections of the workstation's agent and POS; returns how many were
   * closed, or null when the broker is external (its own password file decides logins).
   */
  disconnect: (ref: WorkstationRef) => number | null;
  /** Forgets what status ingestion remembers of a removed workstation (its presence seq). */
  forget: (key: string) => void;
}

/** One enrolled workstation, as `workstation list` shows it. */
export interface WorkstationInfo {
  store: string;
  workstation: string;
  group: string | null;
  enrolledAt: string;
  /** Whether its agent is connected (its presence document). */
  online: boolean;
  /** Flow-service rows the fleet holds for it. */
  services: number;
}

export interface RemoveResult {
  store: string;
  workstation: string;
  /** Its flow-service rows removed from the fleet. */
  removedRows: number;
  /** Broker connections closed; null with an external broker. */
  disconnected: number | null;
}

/** Issue 13: a workstation's maintenance switch after `maintenance on|off` (null: off). */
export interface MaintenanceResult {
  store: string;
  workstation: string;
  maintenance: OperatorMaintenance | null;
}

/** A rekey's answer: the new logins and agent config (as enrolment), and the connections closed. */
export type RekeyResult = EnrolResult & { disconnected: number | null };

/**
 * Enrolled workstations: list, remove (a till taken out of service) and rekey (a replaced
 * till gets new credentials). The credentials live only in the coordinator's state, which
 * the broker's login check reads on every CONNECT: a change is in force as soon as it is
 * durable, and the connections logged in with the old credentials are closed.
 */
export class WorkstationAdmin {
  constructor(private readonly deps: WorkstationAdminDeps) {}

  async list(
    filters: Pick<Filters, "store" | "workstation" | "group">,
    viewer: Operator,
  ): Promise<WorkstationInfo[]> {
    const counts = new Map<string, number>();
    const rows = await this.deps.fleet.query({
      store: filters.store,
      workstation: filters.workstation,
    });
    for (const row of rows) counts.set(wsKey(row), (counts.get(wsKey(row)) ?? 0) + 1);
    return filterReadable(viewer, await this.deps.workstations.list())
      .filter(
        (ws) =>
          (filters.store === undefined || filters.store.includes(ws.store)) &&
          (filters.workstation === undefined || filters.workstation.includes(ws.workstation)) &&
          (filters.group === undefined || groupMatchesAny(ws.group, filters.group)),
      )
      .map((ws) => ({
        store: ws.store,
        workstation: ws.workstation,
        group: ws.group,
        enrolledAt: ws.enrolledAt,
        online: this.deps.isOnline(wsKey(ws)),
        services: counts.get(wsKey(ws)) ?? 0,
      }));
  }

  /**
   * Removes a workstation: its credentials and desired state (one durable write: from then
   * on its agent and POS cannot log in), then its fleet rows (durably), then closes its
   * connections and clears its retained messages. Refuses one that is not enrolled.
   */
  /** Scope (issue 9): a partner admin removes and rekeys only its own workstations. */
  async remove(ref: WorkstationRef, who: Operator): Promise<Result<RemoveResult>> {
    const key = wsKey(ref);
    // Refused before the change: a refusal writes nothing, not even the same state again.
    const current = await this.deps.workstations.get(ref);
    if (current === undefined) return err(notEnrolled(key));
    const inScope = checkChangeScope(who, [current]);
    if (!inScope.ok) return inScope;
    // With its desired state and status seq: a till enrolled again under this id starts afresh.
    const removed = await this.deps.workstations.remove(ref);
    if (removed === undefined) return err(notEnrolled(key));
    this.deps.forget(key);
    const rows = await this.deps.fleet.removeRowsOf(ref);
    const disconnected = this.deps.disconnect(ref);
    await this.deps.desired.clearWorkstation(ref);
    await this.record(
      who,
      "workstation remove",
      removed,
      { removedRows: rows.length, disconnected },
      [key, ...rows],
    );
    return ok({
      store: removed.store,
      workstation: removed.workstation,
      removedRows: rows.length,
      disconnected,
    });
  }

  /**
   * New agent and POS passwords for a workstation (a replaced till): the old ones are refused
   * from the moment the answer is sent, and the connections made with them are closed.
   */
  async rekey(ref: WorkstationRef, who: Operator): Promise<Result<RekeyResult>> {
    const key = wsKey(ref);
    const current = await this.deps.workstations.get(ref);
    if (current === undefined) return err(notEnrolled(key));
    const inScope = checkChangeScope(who, [current]);
    if (!inScope.ok) return inScope;
    const password = generateSecret();
    const posPassword = generateSecret();
    const [agentSecretHash, posSecretHash] = await Promise.all([
      hashSecretAsync(password),
      hashSecretAsync(posPassword),
    ]);
    // New Mosquitto lines too: else an external broker's password file keeps the old secrets.
    const mosquittoLines = mosquittoLinesOf(ref, password, posPassword);
    const rekeyed = await this.deps.workstations.rekey(ref, {
      agentSecretHash,
      posSecretHash,
      mosquittoLines,
    });
    if (rekeyed === undefined) return err(notEnrolled(key));
    const disconnected = this.deps.disconnect(ref);
    await this.record(who, "workstation rekey", rekeyed, { disconnected }, [key]);
    return ok({ ...enrolmentOf(this.deps, rekeyed, password, posPassword), disconnected });
  }

  /**
   * Issue 13: `tillroll maintenance on|off`: the operator's switch, stored
   * with the workstation's desired state (durable, with the seq of the
   * document that carries it), published in its desired document, audited
   * with before and after. Only for an agent that understands it.
   */
  async maintenance(
    request: MaintenanceRequest,
    who: Operator,
  ): Promise<Result<MaintenanceResult>> {
    const key = wsKey(request);
    const ws = await this.deps.workstations.get(request);
    if (ws === undefined) return err(notEnrolled(key));
    const inScope = checkChangeScope(who, [ws]);
    if (!inScope.ok) return inScope;
    if (ws.capabilities !== undefined && !ws.capabilities.includes("maintenance"))
      return err(
        `the agent of ${key} does not understand maintenance mode from the coordinator (update tillroll-agent)`,
      );
    const from = (await this.deps.desiredState.fieldsOf(request)).maintenance ?? null;
    const planned = planMaintenanceSwitch(from, request, who.name);
    if (!planned.ok) return planned;
    const seq = await this.deps.desiredState.setFields(request, { maintenance: planned.value });
    if (seq === undefined) return err(notEnrolled(key));
    await this.deps.desired.send([request], seq);
    await this.record(
      who,
      `maintenance ${request.active ? "on" : "off"}`,
      ws,
      {
        function: request.function,
        reason: request.reason,
        from,
        to: planned.value,
      },
      [key],
    );
    return ok({ store: ws.store, workstation: ws.workstation, maintenance: planned.value });
  }

  private async record(
    who: Operator,
    action: string,
    ws: WorkstationRecord,
    details: Record<string, unknown>,
    touched: string[],
  ): Promise<void> {
    await this.deps.audit.append({
      at: new Date(this.deps.now()).toISOString(),
      who: auditWho(who),
      action,
      details: { store: ws.store, workstation: ws.workstation, group: ws.group, ...details },
      touched,
      skipped: 0,
    });
  }
}

function notEnrolled(key: string): string {
  return `workstation ${key} is not enrolled (tillroll workstation list shows the enrolled ones)`;
}
