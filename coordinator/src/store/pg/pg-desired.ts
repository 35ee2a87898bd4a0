import { nextDesiredSeq } from "../../desired/desired-document.js";
import type { DesiredEntry, DesiredFields } from "../../state/coordinator-state.js";
import type { DesiredChange, DesiredStore, WorkstationDesired } from "../desired-store.js";
import type { WorkstationRef } from "../workstation-store.js";
import type { PgDatabase, Queryable } from "./pg-database.js";

/**
 * DesiredStore over the `desired` and `desired_fields` tables, with the seq of the last
 * desired document in `counters` ('desired_seq'): entries and the seqs that carry them
 * are written in one transaction, the counter row locked, so two coordinators never hand
 * out the same seq.
 */
export class PgDesired implements DesiredStore {
  constructor(
    private readonly db: PgDatabase,
    private readonly now: () => number,
  ) {}

  applyChange(change: {
    readonly entries: readonly DesiredChange[];
    readonly documents: number;
  }): Promise<{ firstSeq: number; applied: number }> {
    return this.db.transaction(async (client) => {
      const enrolled = await enrolledOf(
        client,
        change.entries.map((e) => e.ref),
      );
      // A workstation removed since the change was planned gets nothing back.
      const kept = change.entries.filter((e) => enrolled.has(key(e.ref)));
      // The last entry for a workstation's function wins, as applying them in order would.
      const last = new Map<string, DesiredChange>();
      for (const entry of kept) last.set(`${key(entry.ref)}/${entry.function}`, entry);
      if (last.size > 0) {
        const rows = [...last.values()].map((e) => ({
          store: e.ref.store,
          workstation: e.ref.workstation,
          function: e.function,
          entry: e.entry,
        }));
        await client.query(
          `INSERT INTO desired (store, workstation, function, entry)
           SELECT store, workstation, function, entry
           FROM jsonb_to_recordset($1::jsonb) AS r(store text, workstation text, function text, entry jsonb)
           ON CONFLICT (store, workstation, function) DO UPDATE SET entry = EXCLUDED.entry`,
          [JSON.stringify(rows)],
        );
      }
      const firstSeq = await this.takeSeqs(client, change.documents);
      return { firstSeq, applied: kept.length };
    });
  }

  async reserveSeqs(count: number): Promise<number> {
    return this.db.transaction((client) => this.takeSeqs(client, count));
  }

  async servicesOf(ref: WorkstationRef): Promise<Record<string, DesiredEntry>> {
    const { rows } = await this.db.query<{ function: string; entry: DesiredEntry }>(
      "SELECT function, entry FROM desired WHERE store = $1 AND workstation = $2 ORDER BY function",
      [ref.store, ref.workstation],
    );
    return Object.fromEntries(rows.map((r) => [r.function, r.entry]));
  }

  async servicesOfMany(
    refs: readonly WorkstationRef[],
  ): Promise<Map<string, Record<string, DesiredEntry>>> {
    const found = new Map<string, Record<string, DesiredEntry>>();
    for (const ref of refs) found.set(key(ref), {});
    if (refs.length === 0) return found;
    const { rows } = await this.db.query<{
      store: string;
      workstation: string;
      function: string;
      entry: DesiredEntry;
    }>(
      `SELECT d.store, d.workstation, d.function, d.entry FROM desired d
       JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS r(store, workstation)) AS r
         ON d.store = r.store AND d.workstation = r.workstation
       ORDER BY d.store, d.workstation, d.function`,
      [refs.map((r) => r.store), refs.map((r) => r.workstation)],
    );
    for (const row of rows) {
      const services = found.get(key(row));
      if (services !== undefined) services[row.function] = row.entry;
    }
    return found;
  }

  setFields(ref: WorkstationRef, fields: DesiredFields): Promise<number | undefined> {
    return this.db.transaction(async (client) => {
      const enrolled = await enrolledOf(client, [ref]);
      if (!enrolled.has(key(ref))) return undefined;
      await client.query(
        `INSERT INTO desired_fields (store, workstation, fields) VALUES ($1, $2, $3)
         ON CONFLICT (store, workstation) DO UPDATE SET fields = desired_fields.fields || EXCLUDED.fields`,
        [ref.store, ref.workstation, JSON.stringify(fields)],
      );
      return this.takeSeqs(client, 1);
    });
  }

  async fieldsOf(ref: WorkstationRef): Promise<DesiredFields> {
    const { rows } = await this.db.query<{ fields: DesiredFields }>(
      "SELECT fields FROM desired_fields WHERE store = $1 AND workstation = $2",
      [ref.store, ref.workstation],
    );
    return rows[0]?.fields ?? {};
  }

  async all(): Promise<WorkstationDesired[]> {
    // A workstation with document-level fields only (a release, no services) is republished too.
    const { rows } = await this.db.query<{
      store: string;
      workstation: string;
      services: Record<string, DesiredEntry> | null;
    }>(
      `SELECT w.store, w.workstation,
              (SELECT jsonb_object_agg(d.function, d.entry) FROM desired d
                WHERE d.store = w.store AND d.workstation = w.workstation) AS services
       FROM (SELECT store, workstation FROM desired
             UNION SELECT store, workstation FROM desired_fields) AS w
       ORDER BY w.store, w.workstation`,
    );
    return rows.map((r) => ({
      ref: { store: r.store, workstation: r.workstation },
      services: r.services ?? {},
    }));
  }

  /** Reserves `count` seqs on the locked counter row; answers the first. */
  private async takeSeqs(client: Queryable, count: number): Promise<number> {
    const { rows } = await client.query<{ value: string }>(
      "SELECT value FROM counters WHERE name = 'desired_seq' FOR UPDATE",
    );
    const firstSeq = nextDesiredSeq(Number(rows[0]?.value ?? 0), this.now());
    await client.query("UPDATE counters SET value = $1 WHERE name = 'desired_seq'", [
      firstSeq + count - 1,
    ]);
    return firstSeq;
  }
}

function key(ref: WorkstationRef): string {
  return `${ref.store}/${ref.workstation}`;
}

/** Which of `refs` are enrolled, locked against removal until the transaction ends. */
async function enrolledOf(
  client: Queryable,
  refs: readonly WorkstationRef[],
): Promise<Set<string>> {
  if (refs.length === 0) return new Set();
  const { rows } = await client.query<{ store: string; workstation: string }>(
    `SELECT w.store, w.workstation FROM workstations w
     JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS r(store, workstation)) AS r
       ON w.store = r.store AND w.workstation = r.workstation
     FOR KEY SHARE OF w`,
    [refs.map((r) => r.store), refs.map((r) => r.workstation)],
  );
  return new Set(rows.map(key));
}
