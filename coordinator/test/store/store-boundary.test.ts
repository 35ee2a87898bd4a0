// The operations, the desired publisher, status ingestion and release tasks reach persistence only through the store
// interfaces (src/store/): a PostgreSQL store can then take the JSON store's place.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "../../src");
const CONCRETE = /\b(StateStore|FleetStore|PackStore|AuditLog|FleetTable)\b/;
/** The JSON store's classes and files: only store/ (open-store.ts picks the implementation) names them. */
const JSON_STORE = /\b(Json[A-Z]\w*|OperatorsFile)\b|store\/json\/|\.files\b|state\.state\b/;

function sources(folder: string): string[] {
  return readdirSync(join(SRC, folder))
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(folder, name));
}

describe("store boundary", () => {
  it.each([
    ...sources("operations"),
    ...sources("desired"),
    ...sources("ingest"),
    ...sources("releases"),
  ])("%s names no concrete store class", (file) => {
    const text = readFileSync(join(SRC, file), "utf8");
    expect(text.match(CONCRETE)?.[0]).toBeUndefined();
  });

  // Issue 14: the daemon's wiring opens the store with openStore and uses only the interfaces,
  // so `--database` can put PostgreSQL in the JSON files' place.
  it.each([
    "coordinator.ts",
    ...sources("daemon"),
    "accounts/open-accounts.ts",
    "notices/open-notices.ts",
  ])("%s names neither a concrete store class nor the JSON store", (file) => {
    const text = readFileSync(join(SRC, file), "utf8");
    expect(text.match(CONCRETE)?.[0]).toBeUndefined();
    expect(text.match(JSON_STORE)?.[0]).toBeUndefined();
  });
});
