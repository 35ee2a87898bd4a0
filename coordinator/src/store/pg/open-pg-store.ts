import type { OperatorPersistence } from "../../accounts/operator-record.js";
import type { NoticeOutbox } from "../../notices/outbox.js";
import type { WebhookRegistry } from "../../notices/webhook-registry.js";
import type { CoordinatorStore } from "../coordinator-store.js";
import type { InstallLogStore } from "../install-log-store.js";
import type { OpenStoreOptions } from "../open-store.js";
import { migrateSchema } from "./migrate-schema.js";
import { PgAudit } from "./pg-audit.js";
import { openPgDatabase, type PgDatabase } from "./pg-database.js";
import { PgDesired } from "./pg-desired.js";
import { PgFleetRows } from "./pg-fleet-rows.js";
import { PgPacks } from "./pg-packs.js";
import { PgRecipes } from "./pg-recipes.js";
import { PgReleases } from "./pg-releases.js";
import { PgSchedules } from "./pg-schedules.js";
import { PgWorkstations } from "./pg-workstations.js";

/** Parts built by another helper (operators, outbox, webhooks, install logs): until wired. */
function notBuiltYet(what: string): never {
  throw new Error(`the PostgreSQL ${what} is not built yet`);
}

/**
 * The coordinator's store in PostgreSQL (`--database postgres://…`): the schema is
 * migrated on open, the sync read models (workstations, fleet rows, pack records) are
 * loaded into memory and written through; pack bytes stay in `DATA/packs/`.
 */
export class PgCoordinatorStore implements CoordinatorStore {
  private constructor(
    private readonly db: PgDatabase,
    readonly workstations: PgWorkstations,
    readonly desired: PgDesired,
    readonly fleet: PgFleetRows,
    readonly audit: PgAudit,
    readonly packs: PgPacks,
    readonly releases: PgReleases,
    readonly schedules: PgSchedules,
    readonly recipes: PgRecipes,
  ) {}

  get operators(): OperatorPersistence {
    return notBuiltYet("operator store");
  }

  get outbox(): NoticeOutbox {
    return notBuiltYet("notice outbox");
  }

  get webhooks(): WebhookRegistry {
    return notBuiltYet("webhook registry");
  }

  get installLogs(): InstallLogStore {
    return notBuiltYet("install log store");
  }

  static async open(options: OpenStoreOptions & { readonly database: string }) {
    const db = openPgDatabase({ url: options.database });
    try {
      await migrateSchema(db);
      const fleet = await PgFleetRows.open(db, options.log);
      const workstations = await PgWorkstations.open(db, (ref) => fleet.forgetSeq(ref));
      const packs = await PgPacks.open(db, {
        ...options.packs,
        dir: options.dataDir,
        ...(options.packs?.now === undefined ? {} : { now: options.packs.now }),
        log: options.log,
      });
      return new PgCoordinatorStore(
        db,
        workstations,
        new PgDesired(db, options.now),
        fleet,
        new PgAudit(db),
        packs,
        new PgReleases(db),
        new PgSchedules(db),
        new PgRecipes(db),
      );
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
  }

  /** Writes the pending status reports, then closes the connections. */
  async close(): Promise<void> {
    try {
      await this.fleet.close();
    } finally {
      await this.db.close();
    }
  }
}

export async function openPgStore(options: OpenStoreOptions): Promise<PgCoordinatorStore> {
  const database = options.database;
  if (database === undefined) throw new Error("openPgStore needs a database URL");
  return PgCoordinatorStore.open({ ...options, database });
}
