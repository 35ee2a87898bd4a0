import { nextDesiredSeq } from "../../desired/desired-document.js";
import { type DesiredEntry, type DesiredFields, wsKey } from "../../state/coordinator-state.js";
import { copyPlain } from "../../state/copy-plain.js";
import type { StateStore } from "../../state/state-store.js";
import type { DesiredChange, DesiredStore, WorkstationDesired } from "../desired-store.js";
import type { WorkstationRef } from "../workstation-store.js";

/** DesiredStore over `coordinator.json` (StateStore): entries and seqs in one durable write. */
export class JsonDesired implements DesiredStore {
  constructor(
    private readonly state: StateStore,
    private readonly now: () => number,
  ) {}

  applyChange(change: {
    readonly entries: readonly DesiredChange[];
    readonly documents: number;
  }): Promise<{ firstSeq: number; applied: number }> {
    return this.state.change((draft) => {
      let applied = 0;
      for (const { ref, function: fn, entry } of change.entries) {
        const key = wsKey(ref);
        // A workstation removed since the change was planned gets nothing back.
        if (draft.workstations[key] === undefined) continue;
        draft.desired[key] = { ...draft.desired[key], [fn]: { ...entry } };
        applied += 1;
      }
      const firstSeq = nextDesiredSeq(draft.desiredSeq, this.now());
      draft.desiredSeq = firstSeq + change.documents - 1;
      return { firstSeq, applied };
    });
  }

  async reserveSeqs(count: number): Promise<number> {
    const { firstSeq } = await this.applyChange({ entries: [], documents: count });
    return firstSeq;
  }

  async servicesOf(ref: WorkstationRef): Promise<Record<string, DesiredEntry>> {
    // Called once per workstation of a change (10,000 in a bulk set-preferred).
    return copyPlain(this.state.state.desired[wsKey(ref)] ?? {});
  }

  setFields(ref: WorkstationRef, fields: DesiredFields): Promise<number | undefined> {
    return this.state.change((draft) => {
      const key = wsKey(ref);
      if (draft.workstations[key] === undefined) return undefined;
      draft.desiredFields = {
        ...draft.desiredFields,
        [key]: { ...draft.desiredFields?.[key], ...fields },
      };
      const seq = nextDesiredSeq(draft.desiredSeq, this.now());
      draft.desiredSeq = seq;
      return seq;
    });
  }

  async servicesOfMany(
    refs: readonly WorkstationRef[],
  ): Promise<Map<string, Record<string, DesiredEntry>>> {
    const found = new Map<string, Record<string, DesiredEntry>>();
    for (const ref of refs) {
      const key = wsKey(ref);
      if (!found.has(key)) found.set(key, copyPlain(this.state.state.desired[key] ?? {}));
    }
    return found;
  }

  async fieldsOf(ref: WorkstationRef): Promise<DesiredFields> {
    return structuredClone(this.state.state.desiredFields?.[wsKey(ref)] ?? {});
  }

  async all(): Promise<WorkstationDesired[]> {
    // A workstation with document-level fields only (a release, no services) is republished too.
    const keys = new Set([
      ...Object.keys(this.state.state.desired),
      ...Object.keys(this.state.state.desiredFields ?? {}),
    ]);
    return [...keys].map((key) => {
      const services = this.state.state.desired[key] ?? {};
      const [store = "", workstation = ""] = key.split("/");
      return { ref: { store, workstation }, services: copyPlain(services) };
    });
  }
}
