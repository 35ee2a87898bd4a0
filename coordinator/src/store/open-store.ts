import type { PackStoreOptions } from "../packs/pack-store.js";
import type { CoordinatorStore } from "./coordinator-store.js";
import type { InstallLogRetention } from "./install-log-store.js";
import { JsonCoordinatorStore } from "./json/json-store.js";

export interface OpenStoreOptions {
  /** The coordinator's data folder: the JSON files, and pack bytes (`DATA/packs/`) for every store. */
  readonly dataDir: string;
  /** `--database`: a `postgres://` or `postgresql://` URL; undefined: the JSON files. */
  readonly database?: string | undefined;
  /** The clock desired seqs, notices and install log retention are taken from (ms). */
  readonly now: () => number;
  readonly log: (message: string) => void;
  /** Pack store options beyond the folder (staging folder, limits, clock). */
  readonly packs?: Omit<PackStoreOptions, "dir" | "log"> | undefined;
  /** Install log lines kept per row and for how long; absent: the defaults. */
  readonly installLogs?: Partial<InstallLogRetention> | undefined;
}

/**
 * Opens the coordinator's store: the JSON files in the data folder, or
 * PostgreSQL when `database` is given. The PostgreSQL code is imported only
 * then, so a coordinator on JSON files never loads the `pg` driver.
 */
export async function openStore(options: OpenStoreOptions): Promise<CoordinatorStore> {
  if (options.database === undefined)
    return JsonCoordinatorStore.open({
      dir: options.dataDir,
      log: options.log,
      now: options.now,
      ...(options.packs === undefined ? {} : { packs: options.packs }),
      ...(options.installLogs === undefined ? {} : { installLogs: options.installLogs }),
    });
  const { openPgStore } = await import("./pg/open-pg-store.js");
  return openPgStore(options);
}
