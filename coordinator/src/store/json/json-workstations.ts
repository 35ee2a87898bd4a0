import { type WorkstationRecord, wsKey } from "../../state/coordinator-state.js";
import type { StateStore } from "../../state/state-store.js";
import { checkEnrolment } from "../enrol-check.js";
import type {
  CredentialHashes,
  EnrolOutcome,
  WorkstationRef,
  WorkstationStore,
} from "../workstation-store.js";

/** WorkstationStore over `coordinator.json` (StateStore): each change is one durable write. */
export class JsonWorkstations implements WorkstationStore {
  constructor(private readonly state: StateStore) {}

  peek(ref: WorkstationRef): WorkstationRecord | undefined {
    return this.state.state.workstations[wsKey(ref)];
  }

  count(): number {
    return Object.keys(this.state.state.workstations).length;
  }

  storeGroups(): ReadonlyMap<string, string | null> {
    return new Map(Object.values(this.state.state.workstations).map((ws) => [ws.store, ws.group]));
  }

  async get(ref: WorkstationRef): Promise<WorkstationRecord | undefined> {
    const record = this.state.state.workstations[wsKey(ref)];
    return record === undefined ? undefined : { ...record };
  }

  async list(): Promise<WorkstationRecord[]> {
    return Object.values(this.state.state.workstations)
      .map((record) => ({ ...record }))
      .sort((a, b) => compare(a.store, b.store) || compare(a.workstation, b.workstation));
  }

  async enrol(records: readonly WorkstationRecord[]): Promise<EnrolOutcome> {
    const check = checkEnrolment(
      records,
      (key) => this.state.state.workstations[key] !== undefined,
    );
    if (!check.ok) return check;
    const { checked } = check;
    if (checked.length === 0) return { ok: true };
    // Checked again inside the change: another enrolment may have landed meanwhile.
    const taken = await this.state.change((draft) => {
      const clash = checked.find((record) => draft.workstations[wsKey(record)] !== undefined);
      if (clash === undefined) for (const r of checked) draft.workstations[wsKey(r)] = r;
      return clash;
    });
    return taken === undefined
      ? { ok: true }
      : { ok: false, taken: { store: taken.store, workstation: taken.workstation } };
  }

  async remove(ref: WorkstationRef): Promise<WorkstationRecord | undefined> {
    const key = wsKey(ref);
    if (this.state.state.workstations[key] === undefined) return undefined;
    const removed = await this.state.change((draft) => {
      const record = draft.workstations[key];
      if (record === undefined) return undefined;
      delete draft.workstations[key];
      delete draft.desired[key];
      if (draft.desiredFields !== undefined) delete draft.desiredFields[key];
      // A till enrolled again under this id starts its status seqs afresh.
      delete draft.statusSeq[key];
      return record;
    });
    // statusSeq is advanced in place by ingestion, so a change never replaces it: drop it here.
    if (removed !== undefined) delete this.state.state.statusSeq[key];
    return removed;
  }

  async setCapabilities(
    ref: WorkstationRef,
    capabilities: readonly string[] | null,
  ): Promise<boolean> {
    const key = wsKey(ref);
    const same = (record: WorkstationRecord | undefined) =>
      record === undefined ||
      JSON.stringify(record.capabilities ?? null) === JSON.stringify(capabilities);
    if (same(this.state.state.workstations[key])) return false;
    return this.state.change((draft) => {
      const record = draft.workstations[key];
      if (same(record) || record === undefined) return false;
      const { capabilities: _old, ...rest } = record;
      draft.workstations[key] =
        capabilities === null ? rest : { ...rest, capabilities: [...capabilities] };
      return true;
    });
  }

  async rekey(
    ref: WorkstationRef,
    hashes: CredentialHashes,
  ): Promise<WorkstationRecord | undefined> {
    const key = wsKey(ref);
    if (this.state.state.workstations[key] === undefined) return undefined;
    return this.state.change((draft) => {
      const record = draft.workstations[key];
      if (record === undefined) return undefined;
      // Lines made from the old secrets are dropped when no new ones come: they would let them in.
      const { mosquittoLines: _old, ...rest } = record;
      const next: WorkstationRecord = {
        ...rest,
        agentSecretHash: hashes.agentSecretHash,
        posSecretHash: hashes.posSecretHash,
        ...(hashes.mosquittoLines === undefined ? {} : { mosquittoLines: hashes.mosquittoLines }),
      };
      draft.workstations[key] = next;
      return { ...next };
    });
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
