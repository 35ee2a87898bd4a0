import type { DesiredEntry, DesiredFields } from "../state/coordinator-state.js";
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
  /**
   * The desired services of many workstations in one read (a bulk change
   * reaches 10,000: one query, not one each), by key `store/ws`; every
   * workstation asked for is in the map (empty when it has none).
   */
  servicesOfMany(
    refs: readonly WorkstationRef[],
  ): Promise<Map<string, Record<string, DesiredEntry>>>;
  /**
   * Issue 13: merges `fields` into the workstation's document-level desired
   * fields and reserves one seq for the document that carries them, in one
   * durable change; resolves with that seq, or undefined when the
   * workstation is not enrolled (nothing changed).
   */
  setFields(ref: WorkstationRef, fields: DesiredFields): Promise<number | undefined>;
  /** The workstation's document-level desired fields ({} when none). */
  fieldsOf(ref: WorkstationRef): Promise<DesiredFields>;
  /** Every workstation with desired state, for republishing on start. */
  all(): Promise<WorkstationDesired[]>;
}
