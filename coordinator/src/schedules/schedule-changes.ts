import type { Blackout, StoreSetting, WindowSetting, WindowSubject } from "./schedule-model.js";
import { type OwedNotice, type ScheduleState, sameSubject } from "./schedule-state.js";

/**
 * The schedule changes as pure functions of the state, shared by every
 * ScheduleStore (JSON file, PostgreSQL row) so the stores differ only in how
 * they make a change durable. None changes its input; a result of null means
 * nothing changes and nothing is written.
 */

/** Sets (or replaces) the window of the setting's subject. */
export function withWindow(state: ScheduleState, setting: WindowSetting): ScheduleState {
  return {
    ...state,
    windows: [...state.windows.filter((w) => !sameSubject(w.subject, setting.subject)), setting],
  };
}

/** Removes the subject's window; null when it has none. */
export function withoutWindow(
  state: ScheduleState,
  subject: WindowSubject,
): { next: ScheduleState; removed: WindowSetting } | null {
  const removed = state.windows.find((w) => sameSubject(w.subject, subject));
  if (removed === undefined) return null;
  return { next: { ...state, windows: state.windows.filter((w) => w !== removed) }, removed };
}

/** Sets a store's settings; one with neither tz nor contact removes the store's entry. */
export function withStoreSetting(state: ScheduleState, setting: StoreSetting): ScheduleState {
  const others = state.stores.filter((s) => s.store !== setting.store);
  const empty = setting.tz === null && setting.contact === null;
  return { ...state, stores: empty ? others : [...others, setting] };
}

/**
 * Adds the blackout `make` builds for the next id (and the notice `owe` makes
 * of it, in the same state, so both are written together); a blackout made
 * with another id is a bug of the caller and throws.
 */
export function withNewBlackout(
  state: ScheduleState,
  make: (id: string) => Blackout,
  owe?: (blackout: Blackout) => OwedNotice,
): { next: ScheduleState; blackout: Blackout } {
  const id = String(state.nextBlackoutId);
  const blackout = make(id);
  if (blackout.id !== id) throw new Error(`blackout made for id ${id} has id ${blackout.id}`);
  const added = {
    ...state,
    blackouts: [...state.blackouts, blackout],
    nextBlackoutId: state.nextBlackoutId + 1,
  };
  return { next: withOwed(added, owe?.(blackout)), blackout };
}

/** Removes a blackout (with the notice `owe` makes of it); null for an unknown id. */
export function withoutBlackout(
  state: ScheduleState,
  id: string,
  owe?: (removed: Blackout) => OwedNotice,
): { next: ScheduleState; removed: Blackout } | null {
  const removed = state.blackouts.find((b) => b.id === id);
  if (removed === undefined) return null;
  const left = { ...state, blackouts: state.blackouts.filter((b) => b !== removed) };
  return { next: withOwed(left, owe?.(removed)), removed };
}

/** Forgets the owed notices with these keys; null when none of them is owed. */
export function withoutNotices(
  state: ScheduleState,
  keys: readonly string[],
): ScheduleState | null {
  const owed = state.noticesPending ?? [];
  const left = owed.filter((owedNotice) => !keys.includes(owedNotice.key));
  if (left.length === owed.length) return null;
  const { noticesPending: _, ...rest } = state;
  return left.length === 0 ? rest : { ...rest, noticesPending: left };
}

/** The state with `owed` added to its owed notices (one key once); unchanged without one. */
function withOwed(state: ScheduleState, owed: OwedNotice | undefined): ScheduleState {
  if (owed === undefined) return state;
  const others = (state.noticesPending ?? []).filter((o) => o.key !== owed.key);
  return { ...state, noticesPending: [...others, owed] };
}
