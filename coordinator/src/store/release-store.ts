import type { ReleaseRecord } from "../releases/release-model.js";

/**
 * Release tasks (issue 10) as stored. Every method that changes something
 * resolves once the change is durable; a rejection means nothing changed.
 * Records handed out are copies.
 */
export interface ReleaseStore {
  /**
   * Allocates the next id ("1", "2", …: never handed out twice, even across a
   * restart), builds the record with `make(id)` and stores it durably;
   * resolves with the record stored.
   */
  create(make: (id: string) => ReleaseRecord): Promise<ReleaseRecord>;
  /** Replaces a stored release (same id) durably; an unknown id rejects. */
  save(record: ReleaseRecord): Promise<void>;
  get(id: string): Promise<ReleaseRecord | undefined>;
  /** Every release, by id ascending (oldest first). */
  list(): Promise<ReleaseRecord[]>;
}
