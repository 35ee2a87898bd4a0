/**
 * Issue 14 (replicas): the pure part of the leader lease. One replica at a time
 * holds a PostgreSQL session-level advisory lock on a connection of its own; what
 * each probe of that connection observed decides the replica's role. No I/O here:
 * leader-lease.ts runs the probes and acts on the step.
 */

export type LeaseRole = "follower" | "leader";

/** What one probe of the lock connection, or an event on it, observed. */
export type LeaseObservation =
  /** `pg_try_advisory_lock` answered true: this session holds the lock. */
  | { kind: "acquired" }
  /** It answered false: another replica's session holds it. */
  | { kind: "busy" }
  /** The leader's heartbeat (`SELECT 1`) answered: its session, so its lock, lives. */
  | { kind: "alive" }
  /** The connection failed: connect refused, a query error or time-out, an `error` or `end` event. */
  | { kind: "lost"; reason: string }
  /** The coordinator is stopping. */
  | { kind: "closing" };

export interface LeaseStep {
  role: LeaseRole;
  /** A change of role, to log as `from -> to (reason)` and act on; null: none. */
  change: { from: LeaseRole; to: LeaseRole; reason: string } | null;
  /**
   * End the lock connection: after a loss it may still be half open (a time-out,
   * not a close), and a session that lives on would keep the lock while nobody
   * leads; the next probe opens a new one.
   */
  dropConnection: boolean;
}

/** The probe the next tick runs for a role: a follower tries for the lock, a leader checks it still holds it. */
export function probeFor(role: LeaseRole): "try-lock" | "heartbeat" {
  return role === "leader" ? "heartbeat" : "try-lock";
}

export function decideLease(role: LeaseRole, observation: LeaseObservation): LeaseStep {
  const to = (next: LeaseRole, reason: string, dropConnection = false): LeaseStep => ({
    role: next,
    change: next === role ? null : { from: role, to: next, reason },
    dropConnection,
  });
  switch (observation.kind) {
    case "acquired":
      return to("leader", "advisory lock acquired");
    case "busy":
      // A leader never tries again (it would count the lock twice); if it ever
      // reads busy, its session no longer holds the lock: it must not lead.
      return to("follower", "advisory lock held by another session", role === "leader");
    case "alive":
      return to(role, "heartbeat answered");
    case "lost":
      return to("follower", `lock connection lost: ${observation.reason}`, true);
    case "closing":
      return to("follower", "lease closed", true);
  }
}

export function describeChange(change: NonNullable<LeaseStep["change"]>): string {
  return `leader lease: ${change.from} -> ${change.to} (${change.reason})`;
}
