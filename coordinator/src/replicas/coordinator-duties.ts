import type { LeaderDuty } from "./leader-duties.js";

/** What the coordinator's leader-only objects offer (ReleaseRunner, ScheduleOperations, NoticeService). */
export interface CoordinatorDutyParts {
  runner: { start(): Promise<void>; close(): Promise<void> };
  scheduleConsole: { cancelLeftovers(): Promise<void> };
  notices: { start(): void; close(): Promise<void> };
}

/**
 * Issue 14: the coordinator's leader-only work: the notices outbox's delivery
 * (what a crash cut off goes out first), the release runner (re-applies sends
 * a crash cut off, plans, arms scheduled starts), then the cancels of tasks a
 * stop left inside a blackout (through the runner). Stopped in reverse: the
 * runner before the notices, as the coordinator always closed them. Neither the
 * runner nor the notice service starts again once closed: one term per process.
 */
export function coordinatorDuties(parts: CoordinatorDutyParts): LeaderDuty[] {
  return [
    {
      name: "notices delivery",
      restartable: false,
      start: async () => parts.notices.start(),
      stop: () => parts.notices.close(),
    },
    {
      name: "release runner",
      restartable: false,
      start: () => parts.runner.start(),
      stop: () => parts.runner.close(),
    },
    {
      name: "blackout cancels",
      restartable: true,
      start: () => parts.scheduleConsole.cancelLeftovers(),
      stop: async () => undefined,
    },
  ];
}
