import type { WorkstationRecord } from "../state/coordinator-state.js";

/** A workstation's ref: `{store, workstation}`. */
export interface WorkstationRef {
  readonly store: string;
  readonly workstation: string;
}

/** An enrolment batch refused whole: the first workstation that is already enrolled. */
export type EnrolOutcome = { ok: true } | { ok: false; taken: WorkstationRef };

/** New broker credentials for a workstation (a rekey): hashes and Mosquitto password lines. */
export interface CredentialHashes {
  readonly agentSecretHash: string;
  readonly posSecretHash: string;
  /** Replaced too, else an external broker's password file keeps the old secrets. */
  readonly mosquittoLines?: WorkstationRecord["mosquittoLines"];
}

/**
 * Enrolled workstations and their broker credential hashes. Every method
 * that changes something resolves once the change is durable; a rejection
 * (the store cannot write) means nothing changed. Records handed out are
 * copies: changing one changes nothing in the store. `peek`, `count` and
 * `storeGroups` are synchronous: they answer from the memory mirror every
 * implementation loads at open and writes through on every change.
 */
export interface WorkstationStore {
  /**
   * The record as enrolled now, synchronously (the broker's login check runs
   * on every CONNECT); not a copy: read it, never change it.
   */
  peek(ref: WorkstationRef): WorkstationRecord | undefined;
  /** How many workstations are enrolled (/metrics). */
  count(): number;
  /** Each store's business unit group (from its workstations; null: none), for notices' windows. */
  storeGroups(): ReadonlyMap<string, string | null>;
  get(ref: WorkstationRef): Promise<WorkstationRecord | undefined>;
  /** Every enrolled workstation, by store, then workstation. */
  list(): Promise<WorkstationRecord[]>;
  /**
   * Enrols every record or none: a record already enrolled (or named twice
   * in the batch) refuses the batch, naming it; a record the store's schema
   * refuses rejects the call. Either way nothing changed.
   */
  enrol(records: readonly WorkstationRecord[]): Promise<EnrolOutcome>;
  /**
   * Removes a workstation with its desired state and its last status seq,
   * in one change (its fleet rows are FleetRows'); resolves with the record
   * removed, or undefined when it was not enrolled (nothing written).
   */
  remove(ref: WorkstationRef): Promise<WorkstationRecord | undefined>;
  /** Replaces the credential hashes (and Mosquitto lines); resolves with the new record, or undefined when not enrolled. */
  rekey(ref: WorkstationRef, hashes: CredentialHashes): Promise<WorkstationRecord | undefined>;
  /**
   * Issue 11: records what the agent said it understands (null: it said
   * nothing, an older agent); resolves true when a change was written,
   * false when equal or not enrolled (nothing written).
   */
  setCapabilities(ref: WorkstationRef, capabilities: readonly string[] | null): Promise<boolean>;
}
