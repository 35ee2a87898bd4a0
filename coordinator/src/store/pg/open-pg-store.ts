import type { CoordinatorStore } from "../coordinator-store.js";
import type { OpenStoreOptions } from "../open-store.js";

/**
 * The PostgreSQL store (`--database postgres://…`). A stub until the
 * PostgreSQL store is built in: it refuses, and the coordinator reports that.
 */
export async function openPgStore(_options: OpenStoreOptions): Promise<CoordinatorStore> {
  throw new Error("the PostgreSQL store is not built in");
}
