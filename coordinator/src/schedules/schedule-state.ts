import type { NoticeInput } from "../notices/notice-model.js";
import type { Blackout, StoreSetting, WindowSetting, WindowSubject } from "./schedule-model.js";

/**
 * Everything the schedules keep, as one value: the window settings, the
 * store settings and the blackouts, plus the next blackout id (ids are
 * never handed out twice, even after the newest one is removed). The store
 * persists it whole; the resolver and the blackout checks read it.
 */
export interface ScheduleState {
  readonly windows: readonly WindowSetting[];
  readonly stores: readonly StoreSetting[];
  readonly blackouts: readonly Blackout[];
  /** The id the next blackout gets ("1" for a fresh data folder). */
  readonly nextBlackoutId: number;
  /**
   * The transactional outbox's marker: blackout notices owed by a change
   * already stored but maybe not yet in the notices outbox. A blackout's
   * notice names its id, which exists only once it is stored, so the notice
   * is written here in the same durable write as the blackout (added or
   * removed), published (idempotent by key), then cleared (a second
   * write); the coordinator publishes what is left at its next start.
   * Absent or empty (and in files older than it): nothing owed.
   */
  readonly noticesPending?: readonly OwedNotice[];
}

/** A blackout notice as published (NoticePublisher), kept until it is in the outbox. */
export interface OwedNotice {
  readonly key: string;
  readonly notice: Extract<NoticeInput, { event: "blackout.announced" | "blackout.removed" }>;
}

export const EMPTY_SCHEDULES: ScheduleState = Object.freeze({
  windows: [],
  stores: [],
  blackouts: [],
  nextBlackoutId: 1,
});

/** `group DE/North` or `store 1001`: how lists, audit entries and messages name a subject. */
export function describeSubject(subject: WindowSubject): string {
  return subject.kind === "group" ? `group ${subject.group}` : `store ${subject.store}`;
}

export function sameSubject(a: WindowSubject, b: WindowSubject): boolean {
  return a.kind === "group"
    ? b.kind === "group" && a.group === b.group
    : b.kind === "store" && a.store === b.store;
}

/** Group windows first (by group), then store windows (by store): the order `window list` shows. */
export function sortWindows(windows: readonly WindowSetting[]): WindowSetting[] {
  const key = (s: WindowSetting) =>
    s.subject.kind === "group" ? `0 ${s.subject.group}` : `1 ${s.subject.store}`;
  return [...windows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
