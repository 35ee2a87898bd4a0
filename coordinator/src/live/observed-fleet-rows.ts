import type { Filters } from "../fleet/filters.js";
import type { FleetFacets, FleetPage, PageWindow } from "../fleet/fleet-page.js";
import type { FleetTable } from "../fleet/fleet-table.js";
import { rowKey, type ServiceRow } from "../fleet/service-row.js";
import type { FleetRows, StatusRecord, UpsertOptions } from "../store/fleet-rows.js";
import type { WorkstationRef } from "../store/workstation-store.js";
import type { RowFeed } from "./row-feed.js";

/**
 * The store's fleet rows, telling `feed` the keys of every row it wrote or
 * removed once the write is done (a failed write tells nothing, though the
 * rows may show: the next write of them tells). Everything that changes
 * rows goes through FleetRows (status reports, set-preferred, retry,
 * releases, workstation removal), so wrapping it is the one hook the live
 * console needs; reads pass straight through.
 */
export class ObservedFleetRows implements FleetRows {
  constructor(
    private readonly inner: FleetRows,
    private readonly feed: RowFeed,
  ) {}

  get table(): FleetTable {
    return this.inner.table;
  }

  async recordStatus(report: StatusRecord): Promise<void> {
    await this.inner.recordStatus(report);
    this.feed.emit(report.rows.map((row) => rowKey(row)));
  }

  async upsertRows(rows: readonly ServiceRow[], options?: UpsertOptions): Promise<void> {
    await this.inner.upsertRows(rows, options);
    this.feed.emit(rows.map((row) => rowKey(row)));
  }

  async removeRowsOf(ref: WorkstationRef): Promise<string[]> {
    const keys = await this.inner.removeRowsOf(ref);
    this.feed.emit(keys);
    return keys;
  }

  lastStatusSeq(ref: WorkstationRef): Promise<number | undefined> {
    return this.inner.lastStatusSeq(ref);
  }

  get(key: string): Promise<ServiceRow | undefined> {
    return this.inner.get(key);
  }

  getMany(keys: readonly string[]): Promise<Map<string, ServiceRow>> {
    return this.inner.getMany(keys);
  }

  query(filters: Filters): Promise<ServiceRow[]> {
    return this.inner.query(filters);
  }

  page(filters: Filters, scope: string | null, window: PageWindow): Promise<FleetPage> {
    return this.inner.page(filters, scope, window);
  }

  facets(scope: string | null): Promise<FleetFacets> {
    return this.inner.facets(scope);
  }

  rowsOf(ref: WorkstationRef): Promise<ServiceRow[]> {
    return this.inner.rowsOf(ref);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }
}
