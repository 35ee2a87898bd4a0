import type { OperatorMaintenance } from "@tillroll/protocol";
import type { DesiredEntry } from "../state/coordinator-state.js";
import type { WorkstationRef } from "./workstation-store.js";

/** One function's desired entry for one workstation. */
export interface DesiredChange {
  readonly ref: WorkstationRef;
  readonly function: string;
  readonly entry: DesiredEntry;
}

/** One workstation's desired services, as its desired document carries them. */
export interface WorkstationDesired {
  readonly ref: WorkstationRef;
  readonly services: Readonly<Record<string, DesiredEntry>>;
}

/**
 * The coordinator's desired state, and the seqs of the documents that carry
 * it: a seq once reserved is never handed out again, even across a crash, so
 * documents only ever go up. Durable before anything is published.
 */
export interface DesiredStore {
  /**
   * Writes `entries` and reserves `documents` seqs in one durable change;
   * resolves with the first seq (the others follow it) and how many entries
   * were written. An entry of a workstation that is not enrolled (removed
   * since the change was planned) is left out. A rejection changes nothing.
   */
  applyChange(change: {
    readonly entries: readonly DesiredChange[];
    readonly documents: number;
  }): Promise<{ firstSeq: number; applied: number }>;
  /** Reserves `count` seqs durably (a republish); resolves with the first. */
  reserveSeqs(count: number): Promise<number>;
  /** A workstation's desired services (empty when it has none). */
  servicesOf(ref: WorkstationRef): Promise<Record<string, DesiredEntry>>;
  /** Every workstation with desired state (or maintenance on), for republishing on start. */
  all(): Promise<WorkstationDesired[]>;
  /** Issue 13: the operator's maintenance switch of a workstation (null: off). */
  maintenanceOf(ref: WorkstationRef): Promise<OperatorMaintenance | null>;
  /**
   * Stores the switch (null: off) and reserves the seq of the document that
   * carries it, in one durable change; resolves with the seq, or undefined
   * when the workstation is not enrolled (nothing changed).
   */
  setMaintenance(
    ref: WorkstationRef,
    maintenance: OperatorMaintenance | null,
  ): Promise<number | undefined>;
}
