import {
  withNewBlackout,
  withoutBlackout,
  withoutNotices,
  withoutWindow,
  withStoreSetting,
  withWindow,
} from "../schedules/schedule-changes.js";
import type {
  Blackout,
  StoreSetting,
  WindowSetting,
  WindowSubject,
} from "../schedules/schedule-model.js";
import type { OwedNotice, ScheduleState } from "../schedules/schedule-state.js";
import type { ScheduleStore } from "./schedule-store.js";

/** A change worked out on the current state: what to write (null: nothing) and what to answer. */
type Edit<T> = (state: ScheduleState) => { next: ScheduleState | null; value: T };

/**
 * The ScheduleStore methods over one primitive, `change`: each store (JSON
 * file, PostgreSQL row) supplies only how a change becomes durable, and the
 * changes themselves (schedule-changes.ts) are the same for both.
 */
export abstract class ChangedSchedules implements ScheduleStore {
  abstract read(): Promise<ScheduleState>;

  /**
   * Applies `edit` to the state as stored (null: nothing to change, nothing
   * written) and resolves with the state after it once that is durable.
   */
  protected abstract change(
    edit: (state: ScheduleState) => ScheduleState | null,
  ): Promise<ScheduleState>;

  setWindow(setting: WindowSetting): Promise<ScheduleState> {
    return this.change((state) => withWindow(state, setting));
  }

  async removeWindow(
    subject: WindowSubject,
  ): Promise<{ removed: WindowSetting | null; state: ScheduleState }> {
    const { value, state } = await this.changeTelling((current) => {
      const change = withoutWindow(current, subject);
      return { next: change?.next ?? null, value: change?.removed ?? null };
    });
    return { removed: value, state };
  }

  setStore(setting: StoreSetting): Promise<ScheduleState> {
    return this.change((state) => withStoreSetting(state, setting));
  }

  async addBlackout(
    make: (id: string) => Blackout,
    owe?: (blackout: Blackout) => OwedNotice,
  ): Promise<{ blackout: Blackout; state: ScheduleState }> {
    const { value, state } = await this.changeTelling((current) => {
      const { next, blackout } = withNewBlackout(current, make, owe);
      return { next, value: blackout };
    });
    return { blackout: value, state };
  }

  async removeBlackout(
    id: string,
    owe?: (removed: Blackout) => OwedNotice,
  ): Promise<{ removed: Blackout | null; state: ScheduleState }> {
    const { value, state } = await this.changeTelling((current) => {
      const change = withoutBlackout(current, id, owe);
      return { next: change?.next ?? null, value: change?.removed ?? null };
    });
    return { removed: value, state };
  }

  clearNotices(keys: readonly string[]): Promise<ScheduleState> {
    return this.change((state) => withoutNotices(state, keys));
  }

  /** `change` keeping what the edit found (a copy: states and values handed out are copies). */
  private async changeTelling<T>(edit: Edit<T>): Promise<{ value: T; state: ScheduleState }> {
    let value: T | undefined;
    const state = await this.change((current) => {
      const worked = edit(current);
      value = worked.value;
      return worked.next;
    });
    return { value: structuredClone(value as T), state };
  }
}
