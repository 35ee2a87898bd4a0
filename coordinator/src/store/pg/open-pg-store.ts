import { randomUUID } from "node:crypto";
import { MIRRORS, type MirrorName } from "../../replicas/row-notice.js";
import { notifyMirror, RowListener } from "../../replicas/row-notify.js";
import type { CoordinatorStore } from "../coordinator-store.js";
import type { OpenStoreOptions } from "../open-store.js";
import { migrateSchema } from "./migrate-schema.js";
import { PgAudit } from "./pg-audit.js";
import { PgCommandQueue } from "./pg-command-queue.js";
import { openPgDatabase, type PgDatabase, type Queryable } from "./pg-database.js";
import { PgDesired } from "./pg-desired.js";
import { PgFleetRows } from "./pg-fleet-rows.js";
import { PgInstallLogs } from "./pg-install-logs.js";
import { PgOperators } from "./pg-operators.js";
import { PgOutbox } from "./pg-outbox.js";
import { PgPacks } from "./pg-packs.js";
import { PgRecipes } from "./pg-recipes.js";
import { PgReleases } from "./pg-releases.js";
import { PgSchedules } from "./pg-schedules.js";
import { PgWebSessions } from "./pg-web-sessions.js";
import { PgWebhooks } from "./pg-webhooks.js";
import { PgWorkstations } from "./pg-workstations.js";

/** The stores beyond the core: operators, notices, webhooks, install logs. */
interface PgParts {
  readonly releases: PgReleases;
  readonly schedules: PgSchedules;
  readonly recipes: PgRecipes;
  readonly operators: PgOperators;
  readonly outbox: PgOutbox;
  readonly webhooks: PgWebhooks;
  readonly installLogs: PgInstallLogs;
  readonly webSessions: PgWebSessions;
  readonly commands: PgCommandQueue;
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
    parts: PgParts,
  ) {
    this.releases = parts.releases;
    this.schedules = parts.schedules;
    this.recipes = parts.recipes;
    this.operators = parts.operators;
    this.outbox = parts.outbox;
    this.webhooks = parts.webhooks;
    this.installLogs = parts.installLogs;
    this.webSessions = parts.webSessions;
    this.commands = parts.commands;
  }

  readonly releases: PgReleases;
  readonly schedules: PgSchedules;
  readonly recipes: PgRecipes;
  readonly operators: PgOperators;
  readonly outbox: PgOutbox;
  readonly webhooks: PgWebhooks;
  readonly installLogs: PgInstallLogs;
  readonly webSessions: PgWebSessions;
  /** Issue 14: release commands a follower hands to the leader. */
  readonly commands: PgCommandQueue;

  /** Issue 14: hears the other replicas' row changes (set once open). */
  private listener: RowListener | null = null;
  private remoteRows: (keys: readonly string[]) => void = () => undefined;

  /**
   * Issue 14: `listener` is told the keys of the fleet rows another replica sharing this
   * database changed, once this store's mirror shows them (the console's live feed).
   */
  onRemoteRows(listener: (keys: readonly string[]) => void): void {
    this.remoteRows = listener;
  }

  /**
   * Who hears of other replicas' mirror changes. Several listen (the notices outbox and
   * operators in the coordinator, the release holds in the operations): each call adds
   * one; a single slot let the last caller silently replace the others. Sessions are the
   * store's own business: the listeners hear of the other mirrors.
   */
  private readonly remoteMirrorListeners: Array<
    (mirror: Exclude<MirrorName, "sessions">, id?: string) => void
  > = [];

  /**
   * Issue 14: `listener` hears each mirror another replica changed, once read again here
   * (`id`: the one release task saved, when the notice names it).
   */
  onRemoteMirror(listener: (mirror: Exclude<MirrorName, "sessions">, id?: string) => void): void {
    this.remoteMirrorListeners.push(listener);
  }

  /** Reads rows another replica changed back into the mirror, then tells the listener. */
  private refreshRows(keys: readonly string[] | null, log: (message: string) => void): void {
    this.fleet.refresh(keys).then(
      (changed) => this.remoteRows(changed),
      (error: unknown) =>
        log(
          `row notices: cannot read changed rows (${error instanceof Error ? error.message : String(error)})`,
        ),
    );
  }

  /** Reads a mirror another replica changed again (all of them after a resync). */
  private refreshMirror(mirror: MirrorName, log: (message: string) => void, id?: string): void {
    // Sessions another replica ended: dropped here (the store logs its own failures).
    if (mirror === "sessions") {
      void this.webSessions.refresh();
      return;
    }
    const read =
      mirror === "workstations"
        ? this.workstations.reload()
        : mirror === "webhooks"
          ? this.webhooks.refresh()
          : mirror === "outbox"
            ? this.outbox.refresh()
            : mirror === "packs"
              ? this.packs.refresh()
              : // Releases are not mirrored in the store: the listener reads what it needs; the
                // operators are read again by their directory (the coordinator's accounts).
                Promise.resolve();
    read.then(
      () => {
        for (const listener of this.remoteMirrorListeners) listener(mirror, id);
      },
      (error: unknown) =>
        log(
          `mirror notices: cannot read ${mirror} again (${error instanceof Error ? error.message : String(error)})`,
        ),
    );
  }

  static async open(options: OpenStoreOptions & { readonly database: string }) {
    const db = openPgDatabase({ url: options.database });
    // Issue 14: listening before the rows are loaded, so no change committed meanwhile is
    // missed; what arrives before the store exists is read back once it does.
    const origin = randomUUID();
    let early: string[] | null = [];
    const earlyMirrors = new Set<MirrorName>();
    let store: PgCoordinatorStore | null = null;
    const listener = await RowListener.start({
      connectionString: options.database,
      origin,
      onKeys: (keys) => {
        if (store === null) early?.push(...keys);
        else store.refreshRows(keys, options.log);
      },
      onResync: (reason) => {
        options.log(`row notices: reloading every fleet row (${reason})`);
        if (store === null) early = null;
        else store.refreshRows(null, options.log);
        for (const mirror of MIRRORS)
          if (store === null) earlyMirrors.add(mirror);
          else store.refreshMirror(mirror, options.log);
      },
      onMirror: (mirror, id) => {
        // Before the store exists: read whole once it does.
        if (store === null) earlyMirrors.add(mirror);
        else store.refreshMirror(mirror, options.log, id);
      },
      log: options.log,
    }).catch(async (error: unknown) => {
      await db.close().catch(() => undefined);
      throw error;
    });
    try {
      await migrateSchema(db);
      const fleet = await PgFleetRows.open(db, options.log, origin);
      const tell = (mirror: MirrorName) => (tx: Queryable) => notifyMirror(tx, origin, mirror);
      const workstations = await PgWorkstations.open(
        db,
        (ref) => fleet.forgetSeq(ref),
        tell("workstations"),
      );
      const packs = await PgPacks.open(db, {
        ...options.packs,
        dir: options.dataDir,
        ...(options.packs?.now === undefined ? {} : { now: options.packs.now }),
        log: options.log,
      });
      packs.notifyWith(tell("packs"));
      store = new PgCoordinatorStore(
        db,
        workstations,
        new PgDesired(db, options.now),
        fleet,
        new PgAudit(db),
        packs,
        {
          releases: new PgReleases(db, (tx, id) => notifyMirror(tx, origin, "releases", id)),
          schedules: new PgSchedules(db),
          recipes: new PgRecipes(db),
          operators: new PgOperators(db, tell("operators")),
          outbox: await PgOutbox.open({
            db,
            now: options.now,
            log: options.log,
            notify: tell("outbox"),
          }),
          webhooks: await PgWebhooks.open(db, tell("webhooks")),
          installLogs: new PgInstallLogs({
            db,
            retention: options.installLogs,
            now: options.now,
          }),
          commands: new PgCommandQueue(db, options.database, options.log),
          webSessions: await PgWebSessions.open(db, {
            now: options.now,
            log: options.log,
            notify: tell("sessions"),
            ...options.webSessions,
          }),
        },
      );
      store.listener = listener;
      // Rows an older report of this replica could not overwrite: the newer one, read back.
      fleet.onSuperseded((keys) => store?.refreshRows(keys, options.log));
      if (early === null || early.length > 0) store.refreshRows(early, options.log);
      for (const mirror of earlyMirrors) store.refreshMirror(mirror, options.log);
      return store;
    } catch (error) {
      await listener.close();
      await db.close().catch(() => undefined);
      throw error;
    }
  }

  /** Writes the pending status reports, then closes the connections. */
  async close(): Promise<void> {
    // Safe to call twice (a test closing what its cleanup closes too).
    if (this.closing !== null) return this.closing;
    this.closing = this.closeNow();
    return this.closing;
  }

  private closing: Promise<void> | null = null;

  private async closeNow(): Promise<void> {
    try {
      await this.listener?.close();
      await this.commands.close();
      await this.fleet.close();
      await this.installLogs.close();
      await this.webSessions.close();
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
