import { EMPTY_SCHEDULES, type ScheduleState } from "../../schedules/schedule-state.js";
import { ChangedSchedules } from "../changed-schedules.js";
import type { PgDatabase } from "./pg-database.js";

/**
 * ScheduleStore over the one-row `schedules` table: the state is one value (windows,
 * store settings, blackouts and the next blackout id), read with its row locked, edited
 * and written back in one transaction, so two coordinators never hand out the same
 * blackout id and a failed write changes nothing.
 */
export class PgSchedules extends ChangedSchedules {
  constructor(private readonly db: PgDatabase) {
    super();
  }

  async read(): Promise<ScheduleState> {
    const { rows } = await this.db.query<{ state: ScheduleState }>(
      "SELECT state FROM schedules WHERE id = 1",
    );
    return rows[0]?.state ?? structuredClone(EMPTY_SCHEDULES);
  }

  /** Applies `edit` to the locked state (null: nothing to change, nothing written). */
  protected async change(
    edit: (state: ScheduleState) => ScheduleState | null,
  ): Promise<ScheduleState> {
    try {
      return await this.changeNow(edit);
    } catch (error) {
      throw new Error(
        `cannot save the schedules in PostgreSQL (${(error as Error).message}); the schedules were not changed`,
      );
    }
  }

  private changeNow(edit: (state: ScheduleState) => ScheduleState | null): Promise<ScheduleState> {
    return this.db.transaction(async (client) => {
      // The row exists from the first change on; taking it here serialises changes.
      await client.query(
        "INSERT INTO schedules (id, state) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
        [JSON.stringify(EMPTY_SCHEDULES)],
      );
      const { rows } = await client.query<{ state: ScheduleState }>(
        "SELECT state FROM schedules WHERE id = 1 FOR UPDATE",
      );
      const current = rows[0]?.state ?? structuredClone(EMPTY_SCHEDULES);
      const next = edit(current);
      if (next === null) return current;
      await client.query("UPDATE schedules SET state = $1 WHERE id = 1", [JSON.stringify(next)]);
      return structuredClone(next);
    });
  }
}
