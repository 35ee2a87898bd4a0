import type { AuditStore } from "./audit-store.js";
import type { DesiredStore } from "./desired-store.js";
import type { FleetRows } from "./fleet-rows.js";
import type { PackRecords } from "./pack-records.js";
import type { RecipeStore } from "./recipe-store.js";
import type { ReleaseStore } from "./release-store.js";
import type { ScheduleStore } from "./schedule-store.js";
import type { WorkstationStore } from "./workstation-store.js";

/**
 * Everything the coordinator keeps, behind intent methods: callers say what
 * happened (enrol, apply a change, record a status), the store decides how it
 * is kept. The JSON files (store/json/) are one implementation; every
 * implementation passes the conformance suite (test/store/conformance.ts).
 * All methods are async and hand out copies, so an implementation may keep
 * nothing in memory (a database).
 */
export interface CoordinatorStore {
  readonly workstations: WorkstationStore;
  readonly desired: DesiredStore;
  readonly fleet: FleetRows;
  readonly audit: AuditStore;
  readonly packs: PackRecords;
  /** Release tasks (issue 10). */
  readonly releases: ReleaseStore;
  /** Maintenance windows, store settings and blackouts (issue 11). */
  readonly schedules: ScheduleStore;
  /** Recipes per function and scope, with history (issue 13). */
  readonly recipes: RecipeStore;
  /** Makes pending writes durable and releases files or connections. */
  close(): Promise<void>;
}
