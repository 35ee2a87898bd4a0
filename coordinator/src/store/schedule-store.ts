import type {
  Blackout,
  StoreSetting,
  WindowSetting,
  WindowSubject,
} from "../schedules/schedule-model.js";
import type { OwedNotice, ScheduleState } from "../schedules/schedule-state.js";

/**
 * Maintenance windows, store settings and blackouts (issue 11) as stored.
 * Every method that changes something resolves, with the state after the
 * change, once it is durable; a rejection means nothing changed. States
 * handed out are copies.
 */
export interface ScheduleStore {
  /** Everything, as stored now. */
  read(): Promise<ScheduleState>;
  /** Sets (or replaces) the window of the setting's subject. */
  setWindow(setting: WindowSetting): Promise<ScheduleState>;
  /** Removes the subject's window; `removed` null (nothing written) when it had none. */
  removeWindow(
    subject: WindowSubject,
  ): Promise<{ removed: WindowSetting | null; state: ScheduleState }>;
  /** Sets a store's settings; a setting with neither tz nor contact removes the store's entry. */
  setStore(setting: StoreSetting): Promise<ScheduleState>;
  /**
   * Allocates the next blackout id ("1", "2", …: never handed out twice,
   * even across a restart), builds it with `make(id)` and stores it; with
   * `owe`, the notice it makes of the blackout is stored in the same write
   * (ScheduleState.noticesPending).
   */
  addBlackout(
    make: (id: string) => Blackout,
    owe?: (blackout: Blackout) => OwedNotice,
  ): Promise<{ blackout: Blackout; state: ScheduleState }>;
  /**
   * Removes a blackout (with `owe`: storing the notice it makes of it in the
   * same write); `removed` null (nothing written) for an unknown id.
   */
  removeBlackout(
    id: string,
    owe?: (removed: Blackout) => OwedNotice,
  ): Promise<{ removed: Blackout | null; state: ScheduleState }>;
  /** Forgets the owed notices with these keys (published); nothing written when none is owed. */
  clearNotices(keys: readonly string[]): Promise<ScheduleState>;
}
