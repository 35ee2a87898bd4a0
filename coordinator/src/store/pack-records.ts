import type { Result } from "@tillroll/protocol";
import type { PackSource } from "../packs/pack-http.js";
import type { PackRecord } from "../packs/pack-record.js";

/** A pack version: function name and version. */
export interface PackRef {
  readonly name: string;
  readonly version: string;
}

/**
 * Published packs: their records (and, behind them, their bytes). Refusals
 * are answers (`Result`) that changed nothing; records handed out are copies.
 */
export interface PackRecords {
  /**
   * Checks the archive at `filePath` and stores it. The same bytes again
   * answer the existing record (idempotent); other bytes for a published
   * version are refused.
   */
  publish(filePath: string): Promise<Result<PackRecord>>;
  /** Marks a version withdrawn, durably; an unknown or already withdrawn one is refused. */
  withdraw(ref: PackRef, by: string): Promise<Result<PackRecord>>;
  /** Published packs (of function `name`, if given): by name, then newest version first. */
  list(name?: string): Promise<PackRecord[]>;
  get(ref: PackRef): Promise<PackRecord | undefined>;
  bySha256(sha256: string): Promise<PackRecord | undefined>;
  /**
   * Synchronous lookups for agents' downloads (`/packs/<sha256>.tgz`), from
   * the memory mirror of the records every implementation keeps; the bytes
   * are files in `DATA/packs/` whatever keeps the records.
   */
  readonly downloads: PackSource;
  /** The largest archive `publish` accepts, in bytes: uploads past it are refused early. */
  readonly maxBytes: number;
}
