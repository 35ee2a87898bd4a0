import { randomUUID } from "node:crypto";
import { checkRowsInSlices } from "../../fleet/check-rows.js";
import type { Filters } from "../../fleet/filters.js";
import type { FleetFacets, FleetPage, PageWindow } from "../../fleet/fleet-page.js";
import { FleetTable } from "../../fleet/fleet-table.js";
import { rowKey, type ServiceRow } from "../../fleet/service-row.js";
import { RESTART_GAP } from "../../ingest/seq-order.js";
import { notifyRows } from "../../replicas/row-notify.js";
import { wsKey } from "../../state/coordinator-state.js";
import type { FleetRows, StatusRecord } from "../fleet-rows.js";
import type { WorkstationRef } from "../workstation-store.js";
import type { PgDatabase, Queryable } from "./pg-database.js";
import { SerialQueue } from "./serial-queue.js";

/** How long a recorded status waits before it is written with the others. */
const BATCH_MS = 100;
/** How long a failed background write waits before it is tried again. */
const RETRY_MS = 1000;

/**
 * FleetRows over the `fleet_rows` and `status_seqs` tables, with the rows mirrored in a
 * memory FleetTable (loaded at open) that every read, page and facet is served from.
 * Status reports change the mirror at once and are written in batches (within 100 ms,
 * or at flush): an agent publishes its whole status again on reconnect, so a batch lost
 * to a crash comes back. Operator changes (upsertRows, removeRowsOf) show at once too and
 * resolve after COMMIT. Writes run one at a time and the newest row of a key is the one
 * shown and the one written last, so the database ends as the mirror is.
 */
export class PgFleetRows implements FleetRows {
  private readonly queue = new SerialQueue();
  /** Rows shown but not written yet (recorded statuses; operator rows whose write failed). */
  private pendingRows = new Map<string, ServiceRow>();
  private pendingSeqs = new Map<string, { ref: WorkstationRef; seq: number }>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Keys this replica changed while a refresh read the database: the refresh leaves them. */
  private touched: Set<string> | null = null;

  private constructor(
    private readonly db: PgDatabase,
    /** This replica's name in row notices (issue 14): its own notices are not read back. */
    private readonly origin: string,
    /** The rows as they are now: the live hub, metrics and pages read it synchronously. */
    readonly table: FleetTable,
    private readonly seqs: Map<string, number>,
    private readonly log: (message: string) => void,
  ) {}

  static async open(
    db: PgDatabase,
    log: (message: string) => void,
    origin: string = randomUUID(),
  ): Promise<PgFleetRows> {
    const rows = await db.query<{ row: ServiceRow }>("SELECT row FROM fleet_rows");
    const seqs = await db.query<{ store: string; workstation: string; seq: string }>(
      "SELECT store, workstation, seq FROM status_seqs",
    );
    return new PgFleetRows(
      db,
      origin,
      FleetTable.fromRows(rows.rows.map((r) => r.row)),
      new Map(seqs.rows.map((r) => [wsKey(r), Number(r.seq)])),
      log,
    );
  }

  async lastStatusSeq(ref: WorkstationRef): Promise<number | undefined> {
    return this.seqs.get(wsKey(ref));
  }

  async recordStatus(report: StatusRecord): Promise<void> {
    const key = wsKey(report.ref);
    this.seqs.set(key, report.seq);
    this.pendingSeqs.set(key, { ref: { ...report.ref }, seq: report.seq });
    for (const row of report.rows) {
      this.table.upsert(row);
      const key = rowKey(row);
      this.touched?.add(key);
      // The mirror's frozen copy: the caller may change its object afterwards.
      this.pendingRows.set(key, this.table.get(key) ?? { ...row });
    }
    this.schedule(BATCH_MS);
  }

  async upsertRows(rows: readonly ServiceRow[]): Promise<void> {
    // Checked first and whole: a refused row must not take the rest of its batch in.
    const checked = await checkRowsInSlices(rows);
    if (checked.length === 0) return;
    // Shown at once, as a recorded status is: a status recorded from now on is newer and
    // replaces it, one recorded before (still waiting for its batch) is older and is dropped.
    const shown = checked.map((row) => {
      const key = rowKey(row);
      this.table.upsert(row);
      this.pendingRows.delete(key);
      this.touched?.add(key);
      return { key, row: this.table.get(key) ?? row };
    });
    try {
      await this.queue.run(() =>
        this.db.transaction(async (client) => {
          await writeRows(client, checked);
          // Delivered to the other replicas at COMMIT, never after a ROLLBACK.
          await notifyRows(
            client,
            this.origin,
            shown.map((s) => s.key),
          );
        }),
      );
    } catch (error) {
      // They show: written with the next batch, unless a newer status replaced them.
      for (const { key, row } of shown)
        if (this.table.get(key) === row && !this.pendingRows.has(key))
          this.pendingRows.set(key, row);
      this.schedule(RETRY_MS);
      throw error;
    }
  }

  async removeRowsOf(ref: WorkstationRef): Promise<string[]> {
    return this.queue.run(async () => {
      const keys = this.table
        .rowsOfWorkstation(ref.store, ref.workstation)
        .map((row) => rowKey(row));
      await this.db.transaction(async (client) => {
        const gone = await client.query<{ key: string }>(
          "DELETE FROM fleet_rows WHERE store = $1 AND workstation = $2 RETURNING key",
          [ref.store, ref.workstation],
        );
        await notifyRows(client, this.origin, [
          ...new Set([...keys, ...gone.rows.map((r) => r.key)]),
        ]);
      });
      for (const key of keys) {
        this.table.delete(key);
        this.pendingRows.delete(key);
        this.touched?.add(key);
      }
      return keys;
    });
  }

  /**
   * Issue 14: reads `keys` (null: every row) back from the database into the mirror,
   * after another replica changed them; returns the keys whose row changed here. Runs
   * after this replica's queued writes (so it reads them back, not an older row) and
   * leaves the rows this replica changed since and has not written yet: those are newer.
   */
  refresh(keys: readonly string[] | null): Promise<string[]> {
    return this.queue.run(async () => {
      this.touched = new Set();
      try {
        const found =
          keys === null
            ? await this.db.query<{ key: string; row: ServiceRow }>(
                "SELECT key, row FROM fleet_rows",
              )
            : await this.db.query<{ key: string; row: ServiceRow }>(
                "SELECT key, row FROM fleet_rows WHERE key = ANY($1::text[])",
                [[...new Set(keys)]],
              );
        const rows = new Map(found.rows.map((r) => [r.key, r.row]));
        const local = (key: string) => this.pendingRows.has(key) || this.touched?.has(key);
        const changed: string[] = [];
        const gone =
          keys === null ? this.table.all().map((row) => rowKey(row)) : [...new Set(keys)];
        for (const key of gone)
          if (!rows.has(key) && !local(key) && this.table.delete(key)) changed.push(key);
        for (const [key, row] of rows) {
          if (local(key)) continue;
          const shown = this.table.get(key);
          if (shown !== undefined && JSON.stringify(shown) === JSON.stringify(row)) continue;
          this.table.upsert(row);
          changed.push(key);
        }
        return changed;
      } finally {
        this.touched = null;
      }
    });
  }

  /** Forgets a removed workstation's status seq (its row in status_seqs went with it). */
  forgetSeq(ref: WorkstationRef): void {
    this.seqs.delete(wsKey(ref));
    this.pendingSeqs.delete(wsKey(ref));
  }

  async get(key: string): Promise<ServiceRow | undefined> {
    const row = this.table.get(key);
    return row === undefined ? undefined : { ...row };
  }

  async getMany(keys: readonly string[]): Promise<Map<string, ServiceRow>> {
    const found = new Map<string, ServiceRow>();
    for (const key of keys) {
      const row = this.table.get(key);
      if (row !== undefined) found.set(key, { ...row });
    }
    return found;
  }

  async query(filters: Filters): Promise<ServiceRow[]> {
    return this.table.query(filters).map((row) => ({ ...row }));
  }

  async page(filters: Filters, scope: string | null, window: PageWindow): Promise<FleetPage> {
    const page = this.table.page(filters, scope, window);
    return { ...page, rows: page.rows.map((row) => ({ ...row })) };
  }

  async facets(scope: string | null): Promise<FleetFacets> {
    return this.table.facets(scope);
  }

  async rowsOf(ref: WorkstationRef): Promise<ServiceRow[]> {
    return this.table.rowsOfWorkstation(ref.store, ref.workstation).map((row) => ({ ...row }));
  }

  /** Writes every recorded status now; rejects (keeping them pending) when it cannot. */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    return this.queue
      .run(() => this.writePending())
      .catch((error: unknown) => {
        // Still pending: tried again later, as a background write would be.
        this.schedule(RETRY_MS);
        throw error;
      });
  }

  /** Writes what is pending and stops the timer. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      // No retry after the connections are gone: a report lost here comes back on reconnect.
      this.closed = true;
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private schedule(delay: number): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.queue
        .run(() => this.writePending())
        .catch((error: unknown) => {
          this.log(
            `cannot write fleet status to PostgreSQL (${(error as Error).message}); retrying`,
          );
          this.schedule(RETRY_MS);
        });
    }, delay);
    this.timer.unref();
  }

  /**
   * One transaction for every pending row and seq; on failure they stay pending.
   *
   * Issue 14: replicas share a workstation's reports (one report to one replica), so two
   * replicas may write the same rows; each batch commits in its own time, and the one
   * committed last must not be the older report. A workstation's rows are written only
   * when its report's seq advances `status_seqs` (by the collector's rule: higher, or far
   * below as a restarted agent); rows of a report another replica already superseded are
   * not written, and are read back (`onSuperseded`) so this mirror shows the newer one.
   */
  private async writePending(): Promise<void> {
    if (this.pendingRows.size === 0 && this.pendingSeqs.size === 0) return;
    const rows = this.pendingRows;
    const seqs = this.pendingSeqs;
    this.pendingRows = new Map();
    this.pendingSeqs = new Map();
    let superseded: string[] = [];
    try {
      await this.db.transaction(async (client) => {
        const advanced = await advanceSeqs(client, [...seqs.values()]);
        const written: [string, ServiceRow][] = [];
        superseded = [];
        for (const [key, row] of rows) {
          const ws = wsKey(row);
          if (!seqs.has(ws) || advanced.has(ws)) written.push([key, row]);
          else superseded.push(key);
        }
        await writeRows(
          client,
          written.map(([, row]) => row),
        );
        await notifyRows(
          client,
          this.origin,
          written.map(([key]) => key),
        );
      });
    } catch (error) {
      // Back into pending, unless a newer one arrived meanwhile.
      for (const [key, row] of rows) if (!this.pendingRows.has(key)) this.pendingRows.set(key, row);
      for (const [key, seq] of seqs) if (!this.pendingSeqs.has(key)) this.pendingSeqs.set(key, seq);
      throw error;
    }
    if (superseded.length > 0) this.superseded(superseded);
  }

  private superseded: (keys: string[]) => void = () => undefined;

  /**
   * Issue 14: `listener` hears the keys of recorded rows another replica's newer report
   * superseded (not written): it reads them back (`refresh`) and tells the live feed.
   */
  onSuperseded(listener: (keys: string[]) => void): void {
    this.superseded = listener;
  }
}

/**
 * Records each workstation's report seq where it advances the stored one (higher, or
 * more than RESTART_GAP below: a restarted agent, as seqVerdict says); answers the
 * workstations (`wsKey`) whose seq advanced. Under READ COMMITTED a concurrent writer
 * of the same workstation waits for the other's COMMIT and compares with its seq.
 */
async function advanceSeqs(
  client: Queryable,
  refs: readonly { ref: WorkstationRef; seq: number }[],
): Promise<Set<string>> {
  if (refs.length === 0) return new Set();
  const advanced = await client.query<{ store: string; workstation: string }>(
    `INSERT INTO status_seqs (store, workstation, seq)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
     ON CONFLICT (store, workstation) DO UPDATE SET seq = EXCLUDED.seq
     WHERE EXCLUDED.seq > status_seqs.seq OR status_seqs.seq - EXCLUDED.seq > $4::bigint
     RETURNING store, workstation`,
    [
      refs.map((r) => r.ref.store),
      refs.map((r) => r.ref.workstation),
      refs.map((r) => r.seq),
      RESTART_GAP,
    ],
  );
  return new Set(advanced.rows.map((r) => wsKey(r)));
}

/** Inserts or replaces `rows` in one statement. */
async function writeRows(client: Queryable, rows: readonly ServiceRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO fleet_rows (key, store, workstation, function, row)
     SELECT r->>'store' || '/' || (r->>'workstation') || '/' || (r->>'function'),
            r->>'store', r->>'workstation', r->>'function', r
     FROM jsonb_array_elements($1::jsonb) AS r
     ON CONFLICT (key) DO UPDATE SET row = EXCLUDED.row`,
    [JSON.stringify(rows)],
  );
}
