/** The coordinator's persistence: the interfaces; implementations live in subfolders. */
export type { AuditStore } from "./audit-store.js";
export type { CoordinatorStore } from "./coordinator-store.js";
export type { DesiredChange, DesiredStore, WorkstationDesired } from "./desired-store.js";
export type { FleetRows, StatusRecord } from "./fleet-rows.js";
export type { InstallLogStore } from "./install-log-store.js";
export type { PackRecords, PackRef } from "./pack-records.js";
export type { RecipeStore } from "./recipe-store.js";
export type { ReleaseStore } from "./release-store.js";
export type { ScheduleStore } from "./schedule-store.js";
export type {
  CredentialHashes,
  EnrolOutcome,
  WorkstationRef,
  WorkstationStore,
} from "./workstation-store.js";
