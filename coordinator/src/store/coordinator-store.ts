import type { OperatorPersistence } from "../accounts/operator-record.js";
import type { WebSessionStore } from "../accounts/web-sessions.js";
import type { NoticeOutbox } from "../notices/outbox.js";
import type { WebhookRegistry } from "../notices/webhook-registry.js";
import type { CommandQueue } from "../replicas/command-queue.js";
import type { AuditStore } from "./audit-store.js";
import type { DesiredStore } from "./desired-store.js";
import type { FleetRows } from "./fleet-rows.js";
import type { InstallLogStore } from "./install-log-store.js";
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
 * Changes and most reads are async and hand out copies; a read the
 * coordinator needs synchronously (the broker's login check, the live
 * console, /metrics, the notice outbox and webhooks) is answered from a
 * memory mirror that every implementation loads when it opens and writes
 * through on every change it makes. `open` (store/open-store.ts) picks the
 * implementation: JSON files, or PostgreSQL with `--database`.
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
  /** Operators and their credential hashes (issue 9): loaded whole, saved whole. */
  readonly operators: OperatorPersistence;
  /** Notices still owed to receivers (issue 11): reads from memory, writes durable. */
  readonly outbox: NoticeOutbox;
  /** Webhooks notices go to (issue 11): reads from memory, writes durable. */
  readonly webhooks: WebhookRegistry;
  /** The agents' install logs (the `log` topic), within their retention. */
  readonly installLogs: InstallLogStore;
  /**
   * Web console and `tillroll login` sessions (issue 14): in memory for one
   * coordinator (JSON), in the database for replicas that share it.
   */
  readonly webSessions: WebSessionStore;
  /**
   * Issue 14 (PostgreSQL only): `listener` hears the keys of the fleet rows other
   * replicas sharing the database changed, once this store's mirror shows them.
   */
  onRemoteRows?(listener: (keys: readonly string[]) => void): void;
  /**
   * Issue 14 (PostgreSQL only): `listener` hears that another replica changed a
   * mirror ("workstations", "webhooks", "outbox") once this store read it again, or
   * saved a release task ("releases" with its `id`: nothing kept here; a follower's view
   * reads it), or the operators ("operators": the accounts' directory reads them again).
   * Each call adds a listener (the coordinator and the operations each listen).
   */
  onRemoteMirror?(
    listener: (
      mirror: "workstations" | "webhooks" | "outbox" | "releases" | "packs" | "operators",
      id?: string,
    ) => void,
  ): void;
  /**
   * Issue 14 (PostgreSQL only): where a follower hands release commands to the
   * leader (replicas/release-commands.ts).
   */
  readonly commands?: CommandQueue;
  /** Makes pending writes durable and releases files or connections. */
  close(): Promise<void>;
}
