import type { InstallLogLine } from "@tillroll/protocol";

/** One kept install-log line, as `GET /api/install-log` answers it. */
export interface InstallLogEntry {
  /** When the agent wrote it (its clock, ISO 8601 UTC). */
  readonly at: string;
  readonly requestId: string | null;
  readonly level: "info" | "warn" | "error";
  /** Who wrote it: the agent, a hook, the service or its health check. */
  readonly source: InstallLogLine["source"];
  readonly stream: "stdout" | "stderr" | null;
  readonly text: string;
}

/** A kept line with its place in its row: `n` rises by one per line kept, never reused. */
export interface StoredLogLine extends InstallLogEntry {
  readonly n: number;
  /** The agent's seq of the line: `(store, workstation, seq)` is kept once. */
  readonly seq: number;
}

export interface InstallLogRow {
  readonly store: string;
  readonly workstation: string;
  readonly function: string;
}

export interface InstallLogRetention {
  /** Lines kept per row (workstation and function); the oldest go first. */
  readonly linesPerRow: number;
  /** Lines older than this many days (by the agent's `ts`) are dropped. */
  readonly days: number;
}

export const DEFAULT_INSTALL_LOG_RETENTION: InstallLogRetention = {
  linesPerRow: 2000,
  days: 30,
};

export interface InstallLogQuery {
  /** Only the lines of this update request. */
  readonly requestId?: string | undefined;
  /** Only lines kept after this cursor (`next` of an earlier answer): how a follower polls. */
  readonly after?: number | undefined;
}

/**
 * The install logs agents publish on the `log` topic, kept per workstation
 * and function, durable once `append` resolves (the broker acknowledges an
 * agent's line only then), within the retention limits.
 */
export interface InstallLogStore {
  /**
   * Keeps one line of `row`. Answers false (and keeps nothing) when the line
   * is already kept: a line re-sent after a lost acknowledgement.
   */
  append(row: InstallLogRow, line: InstallLogLine): Promise<boolean>;
  /** The kept lines of `row`, oldest first, and the cursor to ask `after` next. */
  read(
    row: InstallLogRow,
    query?: InstallLogQuery,
  ): Promise<{ lines: StoredLogLine[]; next: number }>;
  /**
   * Applies the retention by days to every row, rows no new line reaches
   * too; the coordinator runs it at start and every 6 hours. Answers how
   * many rows it looked at.
   */
  sweep(): Promise<number>;
  /** Forgets a removed workstation's logs. */
  forgetWorkstation(store: string, workstation: string): Promise<void>;
  close(): Promise<void>;
}
