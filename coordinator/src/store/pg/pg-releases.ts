import type { ReleaseRecord } from "../../releases/release-model.js";
import type { ReleaseStore } from "../release-store.js";
import type { PgDatabase, Queryable } from "./pg-database.js";
import { SerialQueue } from "./serial-queue.js";

/**
 * ReleaseStore over the `releases` table (one jsonb record per release), ids from the
 * 'release_id' counter bumped in the same transaction as the insert: an id is never
 * handed out twice, even when the insert fails (the counter rolls back with it and the
 * next create takes the same, still unused, id).
 */
export class PgReleases implements ReleaseStore {
  /** Creates run one at a time, so ids follow the order they were asked for. */
  private readonly queue = new SerialQueue();

  /**
   * @param notify Issue 14: tells the other replicas a release was created or saved,
   *   inside the changing transaction (a follower's view of the held rows).
   */
  constructor(
    private readonly db: PgDatabase,
    private readonly notify: (tx: Queryable, id: string) => Promise<void> = async () => undefined,
  ) {}

  create(make: (id: string) => ReleaseRecord): Promise<ReleaseRecord> {
    return this.queue.run(() => this.createNow(make));
  }

  private createNow(make: (id: string) => ReleaseRecord): Promise<ReleaseRecord> {
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<{ value: string }>(
        "UPDATE counters SET value = value + 1 WHERE name = 'release_id' RETURNING value",
      );
      const id = String(rows[0]?.value);
      const record = structuredClone(make(id));
      if (record.id !== id) throw new Error(`release record made for id ${id} has id ${record.id}`);
      await client.query("INSERT INTO releases (id, record) VALUES ($1, $2)", [
        Number(id),
        JSON.stringify(record),
      ]);
      await this.notify(client, id);
      return record;
    });
  }

  async save(record: ReleaseRecord): Promise<void> {
    let rowCount: number | null;
    try {
      rowCount = await this.db.transaction(async (tx) => {
        const saved = await tx.query("UPDATE releases SET record = $2 WHERE id = $1", [
          toId(record.id),
          JSON.stringify(record),
        ]);
        if (saved.rowCount !== 0) await this.notify(tx, record.id);
        return saved.rowCount;
      });
    } catch (error) {
      throw new Error(
        `cannot save release task ${record.id} in PostgreSQL (${(error as Error).message}); the release was not changed`,
      );
    }
    if (rowCount === 0) throw new Error(`no release task ${record.id} to save`);
  }

  async get(id: string): Promise<ReleaseRecord | undefined> {
    const numeric = toId(id);
    if (numeric === null) return undefined;
    const { rows } = await this.db.query<{ record: ReleaseRecord }>(
      "SELECT record FROM releases WHERE id = $1",
      [numeric],
    );
    return rows[0]?.record;
  }

  async list(): Promise<ReleaseRecord[]> {
    const { rows } = await this.db.query<{ record: ReleaseRecord }>(
      "SELECT record FROM releases ORDER BY id",
    );
    return rows.map((r) => r.record);
  }
}

/** The numeric id of "1", "2", …; null for anything else (no such release). */
function toId(id: string): number | null {
  return /^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : null;
}
