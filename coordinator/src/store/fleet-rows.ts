import type { Filters } from "../fleet/filters.js";
import type { FleetFacets, FleetPage, PageWindow } from "../fleet/fleet-page.js";
import type { FleetTable } from "../fleet/fleet-table.js";
import type { ServiceRow } from "../fleet/service-row.js";
import type { WorkstationRef } from "./workstation-store.js";

/** The rows a status report turned into, with the report's seq. */
export interface StatusRecord {
  readonly ref: WorkstationRef;
  readonly seq: number;
  readonly rows: readonly ServiceRow[];
}

/**
 * The fleet's service rows (store × workstation × function). Rows handed out
 * are copies.
 */
export interface FleetRows {
  /**
   * The rows as they are now, for the readers that must be synchronous (the
   * live console's streams, /metrics, presence fan-out): a memory mirror
   * every implementation loads at open and updates with each write it makes
   * (a recorded status shows here at once). Read it; never change it.
   */
  readonly table: FleetTable;
  /** The seq of the last status report recorded for a workstation (which reports are stale is the caller's call). */
  lastStatusSeq(ref: WorkstationRef): Promise<number | undefined>;
  /**
   * Records a status report: its seq and its rows, visible at once and
   * durable within moments (or at `flush`). Not awaited durability: an agent
   * publishes its whole status again on reconnect, so a report lost to a
   * crash comes back.
   */
  recordStatus(report: StatusRecord): Promise<void>;
  /**
   * Changes rows (an operator's change) and resolves once they are durable.
   * A rejection means they may not be: they may already show, and are then
   * made durable with a later write.
   */
  upsertRows(rows: readonly ServiceRow[], options?: UpsertOptions): Promise<void>;
  /** Removes a workstation's rows durably; resolves with the keys (`store/ws/function`) removed. */
  removeRowsOf(ref: WorkstationRef): Promise<string[]>;
  /** One row by key `store/ws/function`. */
  get(key: string): Promise<ServiceRow | undefined>;
  /**
   * Rows by key in one call (a release plans from 10,000 member rows many
   * times a minute): the rows found, by key; a key without a row is absent.
   */
  getMany(keys: readonly string[]): Promise<Map<string, ServiceRow>>;
  /** Rows matching every filter given, in listing order. */
  query(filters: Filters): Promise<ServiceRow[]>;
  /**
   * One page of the rows matching `filters` inside `scope` (a business unit
   * group; null: the whole fleet), with the view's total and counts by status.
   */
  page(filters: Filters, scope: string | null, window: PageWindow): Promise<FleetPage>;
  /** Distinct groups, functions and versions of the rows inside `scope`. */
  facets(scope: string | null): Promise<FleetFacets>;
  rowsOf(ref: WorkstationRef): Promise<ServiceRow[]>;
  /** Makes every recorded status durable. */
  flush(): Promise<void>;
}

/** How upsertRows takes its rows. */
export interface UpsertOptions {
  /**
   * Every row was built by the coordinator itself from checked input (applyDesired: a
   * stored row, a plan made from a checked request, a stored pack), so the store does not
   * check them again: 10,000 rows' check was over a second of a bulk set-preferred's answer
   * on a busy machine. Default false: rows are checked whole first, and a bad one refuses
   * the batch (rows that come from elsewhere: tests, tools, migrations).
   */
  readonly madeHere?: boolean;
}
