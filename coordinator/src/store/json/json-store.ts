import { join } from "node:path";
import { AuditLog } from "../../audit/audit-log.js";
import { FleetStore } from "../../fleet/fleet-store.js";
import { PackStore, type PackStoreOptions } from "../../packs/pack-store.js";
import { StateStore } from "../../state/state-store.js";
import type { CoordinatorStore } from "../coordinator-store.js";
import { JsonAudit } from "./json-audit.js";
import { JsonDesired } from "./json-desired.js";
import { JsonFleetRows } from "./json-fleet-rows.js";
import { JsonPacks } from "./json-packs.js";
import { JsonRecipes } from "./json-recipes.js";
import { JsonReleases } from "./json-releases.js";
import { JsonSchedules } from "./json-schedules.js";
import { JsonWorkstations } from "./json-workstations.js";

export interface JsonStoreOptions {
  /** The coordinator's data folder. */
  dir: string;
  log: (message: string) => void;
  /** The clock desired seqs are taken from (ms). */
  now: () => number;
  /** Pack store options beyond the folder (staging folder, limits, clock). */
  packs?: Omit<PackStoreOptions, "dir" | "log">;
}

/** The files the JSON store keeps, for callers that still use them directly. */
export interface JsonFiles {
  readonly state: StateStore;
  readonly fleet: FleetStore;
  readonly packs: PackStore;
  readonly audit: AuditLog;
}

/**
 * The default store: JSON files in the data folder (`coordinator.json`,
 * `fleet.json` + journal, `packs/index.json`, `audit.jsonl`, `releases/<id>.json`,
 * `schedules.json`, `recipes.json`). Thin adapters
 * over the classes that keep them; `files` hands those out for the callers
 * not yet moved to the interfaces.
 */
export class JsonCoordinatorStore implements CoordinatorStore {
  readonly workstations: JsonWorkstations;
  readonly desired: JsonDesired;
  readonly fleet: JsonFleetRows;
  readonly audit: JsonAudit;
  readonly packs: JsonPacks;

  private constructor(
    readonly files: JsonFiles,
    now: () => number,
    readonly releases: JsonReleases,
    readonly schedules: JsonSchedules,
    readonly recipes: JsonRecipes,
  ) {
    this.workstations = new JsonWorkstations(files.state);
    this.desired = new JsonDesired(files.state, now);
    this.fleet = new JsonFleetRows(files.fleet, files.state);
    this.audit = new JsonAudit(files.audit);
    this.packs = new JsonPacks(files.packs);
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
    return new JsonCoordinatorStore(
      { state, fleet, packs, audit },
      options.now,
      releases,
      schedules,
      recipes,
    );
  }

  /**
   * Waits for the fleet journal, and writes the status seqs ingestion
   * advanced in place (they ride along with a change; with none since, they
   * would be lost).
   */
  async close(): Promise<void> {
    await this.files.fleet.close();
    await this.files.state.change(() => undefined);
  }
}
