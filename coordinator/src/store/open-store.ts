import type { SessionStoreOptions } from "../accounts/web-sessions.js";
import type { PackStoreOptions } from "../packs/pack-store.js";
import { StartupError } from "../setup/startup-error.js";
import type { CoordinatorStore } from "./coordinator-store.js";
import { databaseUrlProblem, redactDatabaseUrl } from "./database-url.js";
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
  /** Web session timeouts and cap; absent: the defaults (30 min idle, 12 h in all). */
  readonly webSessions?: Omit<SessionStoreOptions, "now"> | undefined;
}

/**
 * Opens the coordinator's store: the JSON files in the data folder, or
 * PostgreSQL when `database` is given. The PostgreSQL code is imported only
 * then, so a coordinator on JSON files never loads the `pg` driver. A
 * database that cannot be used (a bad URL, unreachable, refused, a schema
 * newer than this code) stops the start with a StartupError naming
 * `--database` and the URL without its password: one line, no stack.
 */
export async function openStore(options: OpenStoreOptions): Promise<CoordinatorStore> {
  if (options.database === undefined)
    return JsonCoordinatorStore.open({
      dir: options.dataDir,
      log: options.log,
      now: options.now,
      ...(options.packs === undefined ? {} : { packs: options.packs }),
      ...(options.installLogs === undefined ? {} : { installLogs: options.installLogs }),
      ...(options.webSessions === undefined ? {} : { webSessions: options.webSessions }),
    });
  const shown = `--database ${redactDatabaseUrl(options.database)}`;
  const problem = databaseUrlProblem(options.database);
  if (problem !== null) throw new StartupError(`--database: ${problem}`);
  try {
    const { openPgStore } = await import("./pg/open-pg-store.js");
    return await openPgStore(options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new StartupError(`${shown}: ${message}`, { cause: error });
  }
}
