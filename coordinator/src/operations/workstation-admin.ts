import { err, ok, type Result } from "@tillroll/protocol";
import { auditWho } from "../accounts/audit-identity.js";
import type { Operator } from "../accounts/identity.js";
import { checkChangeScope, filterReadable } from "../accounts/scope.js";
import { generateSecret, hashSecretAsync } from "../broker/credentials.js";
import type { Filters } from "../fleet/filters.js";
import { groupMatchesAny } from "../fleet/filters.js";
import { rowKey } from "../fleet/service-row.js";
import { type WorkstationRecord, wsKey } from "../state/coordinator-state.js";
import type { EnrolResult, OperationsDeps } from "./console-operations.js";
import { enrolmentOf, mosquittoLinesOf } from "./enrolment.js";

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

  list(
    filters: Pick<Filters, "store" | "workstation" | "group">,
    viewer: Operator,
  ): WorkstationInfo[] {
    const { state } = this.deps.state;
    return filterReadable(viewer, Object.values(state.workstations))
      .filter(
        (ws) =>
          (filters.store === undefined || filters.store.includes(ws.store)) &&
          (filters.workstation === undefined || filters.workstation.includes(ws.workstation)) &&
          (filters.group === undefined || groupMatchesAny(ws.group, filters.group)),
      )
      .sort((a, b) => compare(a.store, b.store) || compare(a.workstation, b.workstation))
      .map((ws) => ({
        store: ws.store,
        workstation: ws.workstation,
        group: ws.group,
        enrolledAt: ws.enrolledAt,
        online: this.deps.isOnline(wsKey(ws)),
        services: this.deps.fleet.table.rowsOfWorkstation(ws.store, ws.workstation).length,
      }));
  }

  /**
   * Removes a workstation: its credentials and desired state (one durable write: from then
   * on its agent and POS cannot log in), then its fleet rows (durably), then closes its
   * connections and clears its retained messages. Refuses one that is not enrolled.
   */
  async remove(ref: WorkstationRef, who: Operator): Promise<Result<RemoveResult>> {
    const key = wsKey(ref);
    // Refused before the change: a refusal writes nothing, not even the same state again.
    if (this.deps.state.state.workstations[key] === undefined) return err(notEnrolled(key));
    const inScope = this.checkScope(who, key);
    if (!inScope.ok) return inScope;
    const removed = await this.deps.state.change((draft) => {
      const record = draft.workstations[key];
      if (record === undefined) return undefined;
      delete draft.workstations[key];
      delete draft.desired[key];
      // A till enrolled again under this id starts its status seqs afresh.
      delete draft.statusSeq[key];
      return record;
    });
    if (removed === undefined) return err(notEnrolled(key));
    delete this.deps.state.state.statusSeq[key];
    this.deps.forget(key);
    const rows = this.deps.fleet.table
      .rowsOfWorkstation(ref.store, ref.workstation)
      .map((row) => rowKey(row));
    await this.deps.fleet.removeDurably(rows);
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
    if (this.deps.state.state.workstations[key] === undefined) return err(notEnrolled(key));
    const inScope = this.checkScope(who, key);
    if (!inScope.ok) return inScope;
    const password = generateSecret();
    const posPassword = generateSecret();
    const [agentSecretHash, posSecretHash] = await Promise.all([
      hashSecretAsync(password),
      hashSecretAsync(posPassword),
    ]);
    const rekeyed = await this.deps.state.change((draft) => {
      const record = draft.workstations[key];
      if (record === undefined) return undefined;
      // New Mosquitto lines too: else an external broker's password file keeps the old secrets.
      const mosquittoLines = mosquittoLinesOf(record, password, posPassword);
      draft.workstations[key] = { ...record, agentSecretHash, posSecretHash, mosquittoLines };
      return record;
    });
    if (rekeyed === undefined) return err(notEnrolled(key));
    const disconnected = this.deps.disconnect(ref);
    await this.record(who, "workstation rekey", rekeyed, { disconnected }, [key]);
    return ok({ ...enrolmentOf(this.deps, rekeyed, password, posPassword), disconnected });
  }

  /** Scope (issue 9): a partner admin removes and rekeys only its own workstations. */
  private checkScope(who: Operator, key: string): Result<void> {
    const ws = this.deps.state.state.workstations[key];
    return checkChangeScope(who, ws === undefined ? [] : [ws]);
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
