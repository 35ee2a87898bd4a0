import type { LeaderDuty } from "./leader-duties.js";

/** What the coordinator's leader-only objects offer. */
export interface CoordinatorDutyParts {
  /** The release runner's terms (release-terms.ts): a fresh runner each term. */
  runner: { begin(): Promise<void>; end(): Promise<void> };
  scheduleConsole: { cancelLeftovers(): Promise<void> };
  notices: { start(): void; stopDelivery(): Promise<void> };
  /** Issue 14, PostgreSQL: the followers' release commands (command-server.ts); none alone. */
  commands?: { start(): Promise<void>; stop(): Promise<void> } | undefined;
}

/**
 * Issue 14: the coordinator's leader-only work: the notices outbox's delivery
 * (what a crash cut off goes out first), the release runner (re-applies sends
 * a crash cut off, plans, arms scheduled starts), the cancels of tasks a stop
 * left inside a blackout (through the runner), then, among replicas, the release
 * commands followers hand over (once the runner runs). Stopped in reverse: the
 * commands under way finish, then the runner, then the notices. Every duty
 * starts again at the next term: the runner is a fresh one, delivery resumes.
 */
export function coordinatorDuties(parts: CoordinatorDutyParts): LeaderDuty[] {
  const duties: LeaderDuty[] = [
    {
      name: "notices delivery",
      start: async () => parts.notices.start(),
      stop: () => parts.notices.stopDelivery(),
    },
    {
      name: "release runner",
      start: () => parts.runner.begin(),
      stop: () => parts.runner.end(),
    },
    {
      name: "blackout cancels",
      start: () => parts.scheduleConsole.cancelLeftovers(),
      stop: async () => undefined,
    },
  ];
  const { commands } = parts;
  if (commands !== undefined)
    duties.push({
      name: "replica commands",
      start: () => commands.start(),
      stop: () => commands.stop(),
    });
  return duties;
}
