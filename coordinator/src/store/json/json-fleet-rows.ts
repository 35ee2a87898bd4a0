import { checkRowsInSlices } from "../../fleet/check-rows.js";
import type { Filters } from "../../fleet/filters.js";
import type { FleetFacets, FleetPage, PageWindow } from "../../fleet/fleet-page.js";
import type { FleetStore } from "../../fleet/fleet-store.js";
import type { FleetTable } from "../../fleet/fleet-table.js";
import { rowKey, type ServiceRow } from "../../fleet/service-row.js";
import { wsKey } from "../../state/coordinator-state.js";
import type { StateStore } from "../../state/state-store.js";
import type { FleetRows, StatusRecord, UpsertOptions } from "../fleet-rows.js";
import type { WorkstationRef } from "../workstation-store.js";

/**
 * FleetRows over the fleet snapshot and journal (FleetStore) and the status
 * seqs of `coordinator.json` (StateStore, advanced in place and written with
 * its next change: a seq lost to a crash only lets the agent's next report in).
 */
export class JsonFleetRows implements FleetRows {
  /** The FleetStore's own table: the snapshot and journal replayed at open, every write since. */
  readonly table: FleetTable;

  constructor(
    private readonly fleet: FleetStore,
    private readonly state: StateStore,
  ) {
    this.table = fleet.table;
  }

  async lastStatusSeq(ref: WorkstationRef): Promise<number | undefined> {
    return this.state.state.statusSeq[wsKey(ref)];
  }

  async recordStatus(report: StatusRecord): Promise<void> {
    this.state.state.statusSeq[wsKey(report.ref)] = report.seq;
    this.fleet.upsert(report.rows.map((row) => ({ ...row })));
  }

  async upsertRows(rows: readonly ServiceRow[], options?: UpsertOptions): Promise<void> {
    // Checked first and whole: a row the journal's replay would refuse must not
    // show now and vanish on the next start, nor take the rest of its batch in.
    // Rows the coordinator made from checked input are not parsed again (UpsertOptions).
    const checked = options?.madeHere === true ? rows : await checkRowsInSlices(rows);
    await this.fleet.upsertDurably(checked);
  }

  async removeRowsOf(ref: WorkstationRef): Promise<string[]> {
    const keys = this.fleet.table
      .rowsOfWorkstation(ref.store, ref.workstation)
      .map((row) => rowKey(row));
    await this.fleet.removeDurably(keys);
    return keys;
  }

  async get(key: string): Promise<ServiceRow | undefined> {
    const row = this.fleet.table.get(key);
    return row === undefined ? undefined : { ...row };
  }

  async getMany(keys: readonly string[]): Promise<Map<string, ServiceRow>> {
    const found = new Map<string, ServiceRow>();
    for (const key of keys) {
      const row = this.fleet.table.get(key);
      if (row !== undefined) found.set(key, { ...row });
    }
    return found;
  }

  async query(filters: Filters): Promise<ServiceRow[]> {
    return this.fleet.table.query(filters).map((row) => ({ ...row }));
  }

  async page(filters: Filters, scope: string | null, window: PageWindow): Promise<FleetPage> {
    const page = this.fleet.table.page(filters, scope, window);
    return { ...page, rows: page.rows.map((row) => ({ ...row })) };
  }

  async facets(scope: string | null): Promise<FleetFacets> {
    return this.fleet.table.facets(scope);
  }

  async rowsOf(ref: WorkstationRef): Promise<ServiceRow[]> {
    return this.fleet.table
      .rowsOfWorkstation(ref.store, ref.workstation)
      .map((row) => ({ ...row }));
  }

  flush(): Promise<void> {
    return this.fleet.flush();
  }
}
