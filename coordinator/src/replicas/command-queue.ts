import type { CommandState } from "./command-plan.js";

/** The release commands a follower hands to the leader (kinds of `replica_commands` rows). */
export type CommandKind = "created" | "operate" | "cancelOverlapping";

/** What a notice on `tillroll_commands` tells: a command's id and its new state. */
export interface CommandNotice {
  readonly id: string;
  readonly state: CommandState;
}

/**
 * Issue 14 (replicas): the durable hand-over of release commands between
 * replicas sharing PostgreSQL (store/pg/pg-command-queue.ts). Every state
 * change is one conditional UPDATE, so a command is carried out at most once:
 * claimed by one leader, or abandoned by its follower, never both.
 */
export interface CommandQueue {
  /** Stores a pending command and tells the leader; resolves with its id. */
  submit(kind: CommandKind, payload: unknown): Promise<string>;
  /**
   * pending -> claimed; the command to run, or null when another took it, it was
   * abandoned, or it is stale (pending for a minute: its follower gave up long ago).
   */
  claim(id: string): Promise<{ kind: CommandKind; payload: unknown } | null>;
  /** claimed -> done with its result; tells the follower. */
  finish(id: string, result: unknown): Promise<void>;
  /** pending -> abandoned; true when it changed the row (no leader will run it). */
  abandon(id: string): Promise<boolean>;
  /** The command's state and result now. */
  read(id: string): Promise<{ state: CommandState; result: unknown } | undefined>;
  /**
   * The ids of the pending commands, oldest first (a new leader's backlog); stale ones are
   * abandoned, and finished ones older than an hour deleted, first.
   */
  pending(): Promise<string[]>;
  /** Hears every command notice (from any replica, this one included). Returns an unsubscribe. */
  listen(listener: (notice: CommandNotice) => void): () => void;
}
