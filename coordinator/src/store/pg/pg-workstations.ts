import { type WorkstationRecord, wsKey } from "../../state/coordinator-state.js";
import { checkEnrolment } from "../enrol-check.js";
import type {
  CredentialHashes,
  EnrolOutcome,
  WorkstationRef,
  WorkstationStore,
} from "../workstation-store.js";
import type { PgDatabase, Queryable } from "./pg-database.js";
import { SerialQueue } from "./serial-queue.js";

/** Thrown inside an enrolment transaction to roll it back when a workstation is taken. */
class Taken extends Error {
  constructor(readonly ref: WorkstationRef) {
    super(`workstation ${wsKey(ref)} is already enrolled`);
  }
}

/**
 * WorkstationStore over the `workstations` table, with every record mirrored in memory
 * (loaded at open, changed after each COMMIT): the broker looks principals up
 * synchronously. Changes run one at a time so the mirror follows the database's order.
 */
export class PgWorkstations implements WorkstationStore {
  private readonly queue = new SerialQueue();

  private constructor(
    private readonly db: PgDatabase,
    private readonly records: Map<string, WorkstationRecord>,
    /** Told after a removal commits, so the status seq mirror forgets the workstation. */
    private readonly onRemoved: (ref: WorkstationRef) => void,
    /** Issue 14: tells the other replicas, inside the changing transaction. */
    private readonly notify: (tx: Queryable) => Promise<void>,
  ) {}

  static async open(
    db: PgDatabase,
    onRemoved: (ref: WorkstationRef) => void,
    notify: (tx: Queryable) => Promise<void> = async () => undefined,
  ): Promise<PgWorkstations> {
    const workstations = new PgWorkstations(db, new Map(), onRemoved, notify);
    await workstations.readAll();
    return workstations;
  }

  /**
   * Issue 14: reads every record again, after another replica enrolled, removed or
   * rekeyed one (the broker's login check on this replica must see it). After this
   * replica's own queued changes.
   */
  reload(): Promise<void> {
    return this.queue.run(async () => {
      const before = [...this.records.values()];
      await this.readAll();
      // Removed elsewhere: its status seqs start afresh here too (a till enrolled again counts from 1).
      for (const record of before)
        if (!this.records.has(wsKey(record)))
          this.onRemoved({ store: record.store, workstation: record.workstation });
    });
  }

  private async readAll(): Promise<void> {
    const { rows } = await this.db.query<{ record: WorkstationRecord }>(
      "SELECT record FROM workstations",
    );
    this.records.clear();
    for (const { record } of rows) this.records.set(wsKey(record), record);
  }

  /** The record as mirrored now, for synchronous callers (not a copy: read it only). */
  peek(ref: WorkstationRef): WorkstationRecord | undefined {
    return this.records.get(wsKey(ref));
  }

  count(): number {
    return this.records.size;
  }

  /** Each store's business unit group (the group of its workstations; null: none). */
  storeGroups(): ReadonlyMap<string, string | null> {
    return new Map([...this.records.values()].map((ws) => [ws.store, ws.group]));
  }

  async get(ref: WorkstationRef): Promise<WorkstationRecord | undefined> {
    const record = this.records.get(wsKey(ref));
    return record === undefined ? undefined : structuredClone(record);
  }

  async list(): Promise<WorkstationRecord[]> {
    return [...this.records.values()]
      .sort((a, b) => compare(a.store, b.store) || compare(a.workstation, b.workstation))
      .map((record) => structuredClone(record));
  }

  async enrol(records: readonly WorkstationRecord[]): Promise<EnrolOutcome> {
    const check = checkEnrolment(records, (key) => this.records.has(key));
    if (!check.ok) return check;
    const { checked } = check;
    if (checked.length === 0) return { ok: true };
    return this.queue.run(async () => {
      try {
        await this.db.transaction(async (client) => {
          // One statement for the batch; a record another coordinator enrolled meanwhile
          // is not inserted, and rolls the whole batch back.
          const { rows } = await client.query<{ store: string; workstation: string }>(
            `INSERT INTO workstations (store, workstation, record)
             SELECT r->>'store', r->>'workstation', r FROM jsonb_array_elements($1::jsonb) AS r
             ON CONFLICT DO NOTHING RETURNING store, workstation`,
            [JSON.stringify(checked)],
          );
          if (rows.length === checked.length) return this.notify(client);
          const inserted = new Set(rows.map(wsKey));
          const clash = checked.find((record) => !inserted.has(wsKey(record)));
          if (clash !== undefined)
            throw new Taken({ store: clash.store, workstation: clash.workstation });
        });
      } catch (error) {
        if (error instanceof Taken) return { ok: false, taken: error.ref };
        throw error;
      }
      for (const record of checked) this.records.set(wsKey(record), record);
      return { ok: true };
    });
  }

  remove(ref: WorkstationRef): Promise<WorkstationRecord | undefined> {
    const key = wsKey(ref);
    if (!this.records.has(key)) return Promise.resolve(undefined);
    return this.queue.run(async () => {
      const removed = await this.db.transaction(async (client) => {
        // Its desired entries and fields go with it (ON DELETE CASCADE).
        const { rows } = await client.query<{ record: WorkstationRecord }>(
          "DELETE FROM workstations WHERE store = $1 AND workstation = $2 RETURNING record",
          [ref.store, ref.workstation],
        );
        // A till enrolled again under this id starts its status seqs afresh.
        await client.query("DELETE FROM status_seqs WHERE store = $1 AND workstation = $2", [
          ref.store,
          ref.workstation,
        ]);
        await this.notify(client);
        return rows[0]?.record;
      });
      this.records.delete(key);
      this.onRemoved(ref);
      return removed;
    });
  }

  rekey(ref: WorkstationRef, hashes: CredentialHashes): Promise<WorkstationRecord | undefined> {
    const current = this.records.get(wsKey(ref));
    if (current === undefined) return Promise.resolve(undefined);
    return this.replace(ref, (record) => {
      // Lines made from the old secrets are dropped when no new ones come: they would let them in.
      const { mosquittoLines: _old, ...rest } = record;
      return {
        ...rest,
        agentSecretHash: hashes.agentSecretHash,
        posSecretHash: hashes.posSecretHash,
        ...(hashes.mosquittoLines === undefined ? {} : { mosquittoLines: hashes.mosquittoLines }),
      };
    });
  }

  async setCapabilities(
    ref: WorkstationRef,
    capabilities: readonly string[] | null,
  ): Promise<boolean> {
    const same = (record: WorkstationRecord | undefined) =>
      record === undefined ||
      JSON.stringify(record.capabilities ?? null) === JSON.stringify(capabilities);
    if (same(this.records.get(wsKey(ref)))) return false;
    let changed = false;
    await this.replace(ref, (record) => {
      if (same(record)) return null;
      changed = true;
      const { capabilities: _old, ...rest } = record;
      return capabilities === null ? rest : { ...rest, capabilities: [...capabilities] };
    });
    return changed;
  }

  /** Replaces one record with `edit(record)` (null: nothing to write); resolves with the new one. */
  private replace(
    ref: WorkstationRef,
    edit: (record: WorkstationRecord) => WorkstationRecord | null,
  ): Promise<WorkstationRecord | undefined> {
    const key = wsKey(ref);
    return this.queue.run(async () => {
      const record = this.records.get(key);
      if (record === undefined) return undefined;
      const next = edit(record);
      if (next === null) return structuredClone(record);
      const rowCount = await this.db.transaction(async (client) => {
        const { rowCount } = await client.query(
          "UPDATE workstations SET record = $3 WHERE store = $1 AND workstation = $2",
          [ref.store, ref.workstation, JSON.stringify(next)],
        );
        if (rowCount !== 0) await this.notify(client);
        return rowCount;
      });
      if (rowCount === 0) {
        // Removed by another coordinator meanwhile.
        this.records.delete(key);
        return undefined;
      }
      this.records.set(key, next);
      return structuredClone(next);
    });
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
