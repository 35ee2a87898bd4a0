import type {
  Blackout,
  StoreSetting,
  WindowSetting,
  WindowSubject,
} from "../../schedules/schedule-model.js";
import {
  EMPTY_SCHEDULES,
  type OwedNotice,
  type ScheduleState,
  sameSubject,
} from "../../schedules/schedule-state.js";
import type { ScheduleStore } from "../schedule-store.js";
import type { PgDatabase } from "./pg-database.js";

/**
 * ScheduleStore over the one-row `schedules` table: the state is one value (windows,
 * store settings, blackouts and the next blackout id), read with its row locked, edited
 * and written back in one transaction, so two coordinators never hand out the same
 * blackout id and a failed write changes nothing.
 */
export class PgSchedules implements ScheduleStore {
  constructor(private readonly db: PgDatabase) {}

  async read(): Promise<ScheduleState> {
    const { rows } = await this.db.query<{ state: ScheduleState }>(
      "SELECT state FROM schedules WHERE id = 1",
    );
    return rows[0]?.state ?? structuredClone(EMPTY_SCHEDULES);
  }

  setWindow(setting: WindowSetting): Promise<ScheduleState> {
    return this.change((state) => ({
      ...state,
      windows: [...state.windows.filter((w) => !sameSubject(w.subject, setting.subject)), setting],
    }));
  }

  async removeWindow(
    subject: WindowSubject,
  ): Promise<{ removed: WindowSetting | null; state: ScheduleState }> {
    let removed: WindowSetting | null = null;
    const state = await this.change((current) => {
      removed = current.windows.find((w) => sameSubject(w.subject, subject)) ?? null;
      if (removed === null) return null;
      return { ...current, windows: current.windows.filter((w) => w !== removed) };
    });
    return { removed: structuredClone(removed), state };
  }

  setStore(setting: StoreSetting): Promise<ScheduleState> {
    return this.change((state) => {
      const others = state.stores.filter((s) => s.store !== setting.store);
      const empty = setting.tz === null && setting.contact === null;
      return { ...state, stores: empty ? others : [...others, setting] };
    });
  }

  async addBlackout(
    make: (id: string) => Blackout,
    owe?: (blackout: Blackout) => OwedNotice,
  ): Promise<{ blackout: Blackout; state: ScheduleState }> {
    let made: Blackout | null = null;
    const state = await this.change((current) => {
      const id = String(current.nextBlackoutId);
      made = make(id);
      if (made.id !== id) throw new Error(`blackout made for id ${id} has id ${made.id}`);
      return withOwed(
        {
          ...current,
          blackouts: [...current.blackouts, made],
          nextBlackoutId: current.nextBlackoutId + 1,
        },
        owe?.(made),
      );
    });
    return { blackout: structuredClone(made as unknown as Blackout), state };
  }

  async removeBlackout(
    id: string,
    owe?: (removed: Blackout) => OwedNotice,
  ): Promise<{ removed: Blackout | null; state: ScheduleState }> {
    let removed: Blackout | null = null;
    const state = await this.change((current) => {
      removed = current.blackouts.find((b) => b.id === id) ?? null;
      if (removed === null) return null;
      return withOwed(
        { ...current, blackouts: current.blackouts.filter((b) => b !== removed) },
        owe?.(removed),
      );
    });
    return { removed: structuredClone(removed), state };
  }

  clearNotices(keys: readonly string[]): Promise<ScheduleState> {
    return this.change((current) => {
      const owed = current.noticesPending ?? [];
      const left = owed.filter((owedNotice) => !keys.includes(owedNotice.key));
      if (left.length === owed.length) return null;
      const { noticesPending: _, ...rest } = current;
      return left.length === 0 ? rest : { ...rest, noticesPending: left };
    });
  }

  /** Applies `edit` to the locked state (null: nothing to change, nothing written). */
  private async change(
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

/** The state with `owed` added to its owed notices (one key once); unchanged without one. */
function withOwed(state: ScheduleState, owed: OwedNotice | undefined): ScheduleState {
  if (owed === undefined) return state;
  const others = (state.noticesPending ?? []).filter((o) => o.key !== owed.key);
  return { ...state, noticesPending: [...others, owed] };
}
