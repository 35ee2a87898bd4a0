import { join } from "node:path";
import { OperatorsFile } from "../../accounts/operators-file.js";
import { SessionStore, type SessionStoreOptions } from "../../accounts/web-sessions.js";
import { AuditLog } from "../../audit/audit-log.js";
import { FleetStore } from "../../fleet/fleet-store.js";
import { PackStore, type PackStoreOptions } from "../../packs/pack-store.js";
import { StateStore } from "../../state/state-store.js";
import type { CoordinatorStore } from "../coordinator-store.js";
import type { InstallLogRetention } from "../install-log-store.js";
import { JsonAudit } from "./json-audit.js";
import { JsonDesired } from "./json-desired.js";
import { JsonFleetRows } from "./json-fleet-rows.js";
import { JsonInstallLogs } from "./json-install-logs.js";
import { JsonOutbox } from "./json-outbox.js";
import { JsonPacks } from "./json-packs.js";
import { JsonRecipes } from "./json-recipes.js";
import { JsonReleases } from "./json-releases.js";
import { JsonSchedules } from "./json-schedules.js";
import { JsonWebhooks } from "./json-webhooks.js";
import { JsonWorkstations } from "./json-workstations.js";

export interface JsonStoreOptions {
  /** The coordinator's data folder. */
  dir: string;
  log: (message: string) => void;
  /** The clock desired seqs are taken from (ms). */
  now: () => number;
  /** Pack store options beyond the folder (staging folder, limits, clock). */
  packs?: Omit<PackStoreOptions, "dir" | "log">;
  /** Install log lines kept per row and for how long; absent: the defaults. */
  installLogs?: Partial<InstallLogRetention> | undefined;
  /** Web session timeouts and cap; absent: the defaults. */
  webSessions?: Omit<SessionStoreOptions, "now"> | undefined;
}

/** The stores beyond the coordinator's core, each in its own files. */
interface JsonParts {
  readonly releases: JsonReleases;
  readonly schedules: JsonSchedules;
  readonly recipes: JsonRecipes;
  readonly operators: OperatorsFile;
  readonly outbox: JsonOutbox;
  readonly webhooks: JsonWebhooks;
  readonly installLogs: JsonInstallLogs;
  readonly webSessions: Omit<SessionStoreOptions, "now"> | undefined;
}

/** The classes keeping the JSON store's core files, for tests that look at them directly. */
export interface JsonFiles {
  readonly state: StateStore;
  readonly fleet: FleetStore;
  readonly packs: PackStore;
  readonly audit: AuditLog;
}

/**
 * The default store: JSON files in the data folder (`coordinator.json`,
 * `fleet.json` + journal, `packs/index.json`, `audit.jsonl`, `releases/<id>.json`,
 * `schedules.json`, `recipes.json`, `operators.json`, `notices/`, `webhooks.json`,
 * `install-logs/`). Its memory mirrors are the classes' own memory. Thin adapters
 * over the classes that keep them; `files` hands the core ones out for tests
 * (the coordinator uses only the CoordinatorStore interfaces).
 */
export class JsonCoordinatorStore implements CoordinatorStore {
  readonly workstations: JsonWorkstations;
  readonly desired: JsonDesired;
  readonly fleet: JsonFleetRows;
  readonly audit: JsonAudit;
  readonly packs: JsonPacks;
  readonly releases: JsonReleases;
  readonly schedules: JsonSchedules;
  readonly recipes: JsonRecipes;
  readonly operators: OperatorsFile;
  readonly outbox: JsonOutbox;
  readonly webhooks: JsonWebhooks;
  readonly installLogs: JsonInstallLogs;
  /** One coordinator: web sessions in its memory (a restart signs everyone out). */
  readonly webSessions: SessionStore;

  private constructor(
    readonly files: JsonFiles,
    now: () => number,
    parts: JsonParts,
  ) {
    this.releases = parts.releases;
    this.schedules = parts.schedules;
    this.recipes = parts.recipes;
    this.operators = parts.operators;
    this.outbox = parts.outbox;
    this.webhooks = parts.webhooks;
    this.installLogs = parts.installLogs;
    this.workstations = new JsonWorkstations(files.state);
    this.desired = new JsonDesired(files.state, now);
    this.fleet = new JsonFleetRows(files.fleet, files.state);
    this.audit = new JsonAudit(files.audit);
    this.packs = new JsonPacks(files.packs);
    this.webSessions = new SessionStore({ now, ...parts.webSessions });
  }

  static async open(options: JsonStoreOptions): Promise<JsonCoordinatorStore> {
    const { dir, log } = options;
    const state = await StateStore.open(dir, log);
    const fleet = await FleetStore.open(dir, log);
    const packs = await PackStore.open({ ...options.packs, dir, log });
    const audit = new AuditLog(join(dir, "audit.jsonl"));
    const releases = await JsonReleases.open(dir, log);
    const schedules = await JsonSchedules.open(dir, log);
    const recipes = await JsonRecipes.open(dir, log);
    const operators = new OperatorsFile(join(dir, "operators.json"));
    const outbox = await JsonOutbox.open({ dataDir: dir, now: options.now, log });
    const webhooks = await JsonWebhooks.open(dir);
    // Lines are read per row when first written or asked for: nothing to load here.
    const installLogs = new JsonInstallLogs({
      dir: join(dir, "install-logs"),
      ...(options.installLogs === undefined ? {} : { retention: options.installLogs }),
      now: options.now,
      log,
    });
    return new JsonCoordinatorStore({ state, fleet, packs, audit }, options.now, {
      releases,
      schedules,
      recipes,
      operators,
      outbox,
      webhooks,
      installLogs,
      webSessions: options.webSessions,
    });
  }

  /**
   * Waits for the fleet journal, and writes the status seqs ingestion
   * advanced in place (they ride along with a change; with none since, they
   * would be lost), and for the install log lines being written.
   */
  async close(): Promise<void> {
    await this.installLogs.close();
    await this.files.fleet.close();
    await this.files.state.change(() => undefined);
  }
}
