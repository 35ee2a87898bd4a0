import { LeaderDuties, type LeaderDuty } from "./leader-duties.js";
import { LeaderLease, type LockSession } from "./leader-lease.js";

export interface LeadershipOptions {
  /** `--database`: replicas share it and take turns leading; undefined (JSON store): always leader. */
  database: string | undefined;
  duties: readonly LeaderDuty[];
  log: (message: string) => void;
  /** The lock session (tests); default: a dedicated PostgreSQL connection to `database`. */
  openSession?: () => Promise<LockSession>;
  intervalMs?: number;
}

export interface Leadership {
  readonly duties: LeaderDuties;
  /** Stops the duties, then gives the lock back: another replica may lead at once. */
  close(): Promise<void>;
}

/**
 * Runs the leader-only duties. With the JSON store they start now, before this
 * resolves (as before replicas). With PostgreSQL a lease decides: they start
 * when this replica takes the advisory lock and stop the moment it loses it;
 * they start again (a fresh runner) whenever it takes the lock again.
 */
export async function startLeadership(options: LeadershipOptions): Promise<Leadership> {
  const { database } = options;
  // One coordinator (JSON store): nothing to tell about leading, the log stays as it was.
  const duties = new LeaderDuties(
    options.duties,
    database === undefined ? () => undefined : options.log,
  );
  if (database === undefined) {
    await duties.onRole("leader", "single coordinator (JSON store)");
    return { duties, close: () => duties.close() };
  }
  const openSession =
    options.openSession ??
    (async () => {
      // Only the PostgreSQL path loads `pg`.
      const { openPgLockSession } = await import("./pg-lock-session.js");
      return openPgLockSession({ connectionString: database });
    });
  const lease: LeaderLease = new LeaderLease({
    open: openSession,
    log: options.log,
    ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
    onChange: (role, reason) => duties.onRole(role, reason),
  });
  lease.start();
  return {
    duties,
    close: async () => {
      await lease.close();
      await duties.close();
    },
  };
}
