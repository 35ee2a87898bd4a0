import type { MaintenanceWindow } from "@tillroll/protocol";

/**
 * Schedules (issue 11): maintenance windows per group or store, store
 * settings (time zone, contact), and blackouts. CONTRACT FILE: the lead
 * fixed these shapes; the schedules helper implements the store, the
 * resolver and the console around them; releases and notices read them
 * through `ScheduleFacts`. Semantics: /work/SCHEDULE-SEMANTICS.md.
 */

/** What a window is set on: a business unit group (and its subgroups) or one store. */
export type WindowSubject =
  | { readonly kind: "group"; readonly group: string }
  | { readonly kind: "store"; readonly store: string };

export interface WindowSetting {
  readonly subject: WindowSubject;
  readonly window: MaintenanceWindow;
  readonly setBy: string;
  readonly setAt: string;
}

/** `tillroll store set 1001 --contact ADDR --tz ZONE`: null fields are unset. */
export interface StoreSetting {
  readonly store: string;
  /** Overrides the zone of a window the store inherits from its group. */
  readonly tz: string | null;
  /** E-mail address of the store's contact (notify.storeContacts). */
  readonly contact: string | null;
  readonly setBy: string;
  readonly setAt: string;
}

/** A period in which nothing may be installed; group null: platform maintenance. */
export interface Blackout {
  /** "1", "2", … */
  readonly id: string;
  /** ISO 8601 UTC; from < to. */
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** Applies to this group and its subgroups; null: the whole platform. */
  readonly group: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
}

/** The window a store's rows get, and where it came from (for `window list` and reasons). */
export interface ResolvedWindow {
  readonly window: MaintenanceWindow;
  /** "store 1001", "group DE/North", "group DE/North (zone of store 1001)". */
  readonly source: string;
}

/**
 * What releases, the status overview and notices read of schedules. Sync
 * reads of in-memory state the store keeps current (loaded at start).
 */
export interface ScheduleFacts {
  /**
   * The store's window: its own, else the nearest group's on its group path
   * (`DE/North/Berlin` → `DE/North` → `DE`), with the store's zone override
   * applied to an inherited one; null when none applies.
   */
  windowFor(store: string, group: string | null): ResolvedWindow | null;
  /** Blackouts covering a row of `group` at `atMs` (platform ones cover every row). */
  blackoutsAt(group: string | null, atMs: number): readonly Blackout[];
  /** Blackouts covering a row of `group` that overlap [fromMs, toMs). */
  blackoutsOverlapping(group: string | null, fromMs: number, toMs: number): readonly Blackout[];
  /** All blackouts whose end is after `nowMs` (current and upcoming), earliest first. */
  upcomingBlackouts(nowMs: number): readonly Blackout[];
  storeSetting(store: string): StoreSetting | null;
}

/**
 * What the schedules console needs of release tasks when a blackout is
 * added (implemented by the releases side, called by the schedules side).
 */
export interface ScheduledTasks {
  /**
   * Cancels every release task that is Scheduled (mode "at") with its start
   * inside the blackout, and whose rows the blackout covers; forced ones
   * too (it is the admin's act). Each cancel is durable and its owner is
   * notified (task.cancelled) before this resolves. Returns what it
   * cancelled.
   */
  cancelOverlapping(
    blackout: Blackout,
    who: string,
  ): Promise<readonly { id: string; name: string; createdBy: string; at: string }[]>;
}
