import {
  type OperatorPersistence,
  type OperatorRecord,
  operatorRecordSchema,
} from "../../accounts/operator-record.js";
import type { PgDatabase, Queryable } from "./pg-database.js";

/**
 * OperatorPersistence over the `operators` table: the directory saves its
 * whole list, so a save replaces every row in one transaction (a failure
 * leaves the old list whole). Records are checked on load, as the JSON
 * file's are: a row edited by hand into something unusable stops the start.
 */
export class PgOperators implements OperatorPersistence {
  constructor(
    private readonly db: PgDatabase,
    /** Issue 14: tells the other replicas, inside the saving transaction. */
    private readonly notify: (tx: Queryable) => Promise<void> = async () => undefined,
  ) {}

  async load(): Promise<OperatorRecord[]> {
    const { rows } = await this.db.query<{ name: string; record: unknown }>(
      "SELECT name, record FROM operators ORDER BY position",
    );
    return rows.map((row) => {
      const parsed = operatorRecordSchema.safeParse(row.record);
      if (!parsed.success)
        throw new Error(
          `operators table, operator ${row.name}: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`,
        );
      return parsed.data;
    });
  }

  async save(records: readonly OperatorRecord[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query("DELETE FROM operators");
      await this.notify(tx);
      if (records.length === 0) return;
      await tx.query(
        `INSERT INTO operators (name, position, record)
         SELECT r->>'name', ord::integer, r FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(r, ord)`,
        [JSON.stringify(records)],
      );
    });
  }
}
