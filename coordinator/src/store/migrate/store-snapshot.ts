import type { OperatorRecord } from "../../accounts/operator-record.js";
import type { AuditEntry } from "../../audit/audit-log.js";
import type { ServiceRow } from "../../fleet/service-row.js";
import type { OutboxNotice } from "../../notices/outbox.js";
import type { Webhook } from "../../notices/webhook-registry.js";
import type { PackRecord } from "../../packs/pack-record.js";
import type { RecipeRecord } from "../../recipes/recipe-model.js";
import type { ReleaseRecord } from "../../releases/release-model.js";
import type { ScheduleState } from "../../schedules/schedule-state.js";
import type {
  DesiredEntry,
  DesiredFields,
  WorkstationRecord,
} from "../../state/coordinator-state.js";
import type { InstallLogRow, StoredLogLine } from "../install-log-store.js";
import type { WorkstationRef } from "../workstation-store.js";

/** A kept install-log line as moved: with when the coordinator kept it (retention counts from it). */
export interface SnapshotLogLine extends StoredLogLine {
  /** Coordinator clock (ms) when kept. */
  readonly kept: number;
}

/**
 * Everything one coordinator keeps, read whole from one store, to be written
 * whole into another (`tillroll migrate`): the records and the counters that
 * make ids and seqs continue (a new release after the move gets the next id,
 * a new desired document a higher seq).
 */
export interface StoreSnapshot {
  readonly workstations: readonly WorkstationRecord[];
  /** Last status seq applied per workstation. */
  readonly statusSeqs: readonly { readonly ref: WorkstationRef; readonly seq: number }[];
  readonly desired: readonly {
    readonly ref: WorkstationRef;
    readonly services: Readonly<Record<string, DesiredEntry>>;
  }[];
  readonly desiredFields: readonly {
    readonly ref: WorkstationRef;
    readonly fields: DesiredFields;
  }[];
  /** The seq of the last desired document handed out. */
  readonly desiredSeq: number;
  readonly fleetRows: readonly ServiceRow[];
  /** By id ascending. */
  readonly releases: readonly ReleaseRecord[];
  /** The highest release id handed out (the next one is this + 1). */
  readonly lastReleaseId: number;
  /** Windows, store settings, blackouts with their id counter, owed notices. */
  readonly schedules: ScheduleState;
  readonly recipes: readonly RecipeRecord[];
  /** Pack records (the bytes stay in DATA/packs). */
  readonly packs: readonly PackRecord[];
  readonly operators: readonly OperatorRecord[];
  /** In append order. */
  readonly audit: readonly AuditEntry[];
  /** By seq. */
  readonly notices: readonly OutboxNotice[];
  /** Oldest first. */
  readonly taskMail: readonly { readonly task: string; readonly to: readonly string[] }[];
  readonly webhooks: readonly Webhook[];
  /** The highest webhook id handed out (removed ones count: ids are never reused). */
  readonly lastWebhookId: number;
  readonly installLogs: readonly {
    readonly row: InstallLogRow;
    /** The highest n handed out in the row. */
    readonly lastN: number;
    /** Oldest first. */
    readonly lines: readonly SnapshotLogLine[];
  }[];
}

/** The kinds `tillroll migrate` reports, in the order it prints them. */
export const SNAPSHOT_KINDS = [
  "workstations",
  "desired entries",
  "fleet rows",
  "releases",
  "maintenance windows",
  "store settings",
  "blackouts",
  "recipes",
  "packs",
  "operators",
  "audit entries",
  "notices",
  "webhooks",
  "install log lines",
] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];

/** Pure: how many records of each kind a snapshot holds (what migrate prints, and checks after). */
export function countSnapshot(snapshot: StoreSnapshot): Record<SnapshotKind, number> {
  return {
    workstations: snapshot.workstations.length,
    "desired entries": snapshot.desired.reduce(
      (sum, ws) => sum + Object.keys(ws.services).length,
      0,
    ),
    "fleet rows": snapshot.fleetRows.length,
    releases: snapshot.releases.length,
    "maintenance windows": snapshot.schedules.windows.length,
    "store settings": snapshot.schedules.stores.length,
    blackouts: snapshot.schedules.blackouts.length,
    recipes: snapshot.recipes.length,
    packs: snapshot.packs.length,
    operators: snapshot.operators.length,
    "audit entries": snapshot.audit.length,
    notices: snapshot.notices.length,
    webhooks: snapshot.webhooks.length,
    "install log lines": snapshot.installLogs.reduce((sum, row) => sum + row.lines.length, 0),
  };
}

/** Pure: the report lines of counts, aligned (`  workstations      12`). */
export function countLines(counts: Record<SnapshotKind, number>): string[] {
  const width = Math.max(...SNAPSHOT_KINDS.map((kind) => kind.length));
  return SNAPSHOT_KINDS.map((kind) => `  ${kind.padEnd(width)}  ${counts[kind]}`);
}
