import { blackoutsAt, blackoutsOverlapping, upcomingBlackouts } from "./blackout-cover.js";
import { resolveWindow } from "./resolve-window.js";
import type { Blackout, ResolvedWindow, ScheduleFacts, StoreSetting } from "./schedule-model.js";
import { EMPTY_SCHEDULES, type ScheduleState } from "./schedule-state.js";

/**
 * ScheduleFacts over the schedules as last stored: releases, the status
 * overview and notices read windows and blackouts synchronously from here.
 * The schedule operations replace the state after every durable change
 * (`replace`), so a reader never sees a change that is not on disk.
 */
export class ScheduleMemory implements ScheduleFacts {
  private current: ScheduleState;

  constructor(initial: ScheduleState = EMPTY_SCHEDULES) {
    this.current = initial;
  }

  /** The state as stored now (treat as read-only). */
  get state(): ScheduleState {
    return this.current;
  }

  replace(state: ScheduleState): void {
    this.current = state;
  }

  windowFor(store: string, group: string | null): ResolvedWindow | null {
    return resolveWindow(store, group, this.current.windows, this.current.stores);
  }

  blackoutsAt(group: string | null, atMs: number): readonly Blackout[] {
    return blackoutsAt(this.current.blackouts, group, atMs);
  }

  blackoutsOverlapping(group: string | null, fromMs: number, toMs: number): readonly Blackout[] {
    return blackoutsOverlapping(this.current.blackouts, group, fromMs, toMs);
  }

  upcomingBlackouts(nowMs: number): readonly Blackout[] {
    return upcomingBlackouts(this.current.blackouts, nowMs);
  }

  storeSetting(store: string): StoreSetting | null {
    return this.current.stores.find((s) => s.store === store) ?? null;
  }
}
