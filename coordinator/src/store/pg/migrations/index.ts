// The schema, as ordered forward-only migrations. migrate-schema.ts applies the ones a
// database has not seen yet, in version order, and records each in schema_migrations.
// A released migration is never edited: a change is a new entry with the next version.

import { CORE_001 } from "./001-core.js";

export interface Migration {
  /** 1, 2, 3 … with no gaps. */
  readonly version: number;
  /** A short name for the record and for errors. */
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: "core", sql: CORE_001 }];

/** The newest schema version this code knows (0 when there is none). */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.reduce((newest, m) => Math.max(newest, m.version), 0);
}
