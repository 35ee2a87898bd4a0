import { FUNCTION_NAME_PATTERN, ID_PATTERN, type InstallLogLine } from "@tillroll/protocol";
import {
  DEFAULT_INSTALL_LOG_RETENTION,
  type InstallLogEntry,
  type InstallLogQuery,
  type InstallLogRetention,
  type InstallLogRow,
  type InstallLogStore,
  type StoredLogLine,
} from "../install-log-store.js";
import type { PgDatabase, Queryable } from "./pg-database.js";

const DAY_MS = 86_400_000;

export interface PgInstallLogsOptions {
  db: PgDatabase;
  retention?: Partial<InstallLogRetention> | undefined;
  now: () => number;
}

/** Most lines one transaction keeps. */
const BATCH = 500;

interface PendingLine {
  readonly row: InstallLogRow;
  readonly line: InstallLogLine;
  readonly done: (kept: boolean) => void;
  readonly failed: (error: unknown) => void;
}

/**
 * InstallLogStore over `install_log_lines` (one row per kept line) and
 * `install_log_rows` (the last `n` of each workstation and function, so a
 * cursor is never reused, even after retention dropped every line). Lines
 * arriving together are kept in one transaction (one commit, as the JSON
 * store shares one fsync); `append` resolves after the COMMIT, and a failed
 * commit rejects every line of it (the agents send them again). Per line:
 * skip it when `(row, seq, ts)` is kept already, bump the row's `n` (which
 * locks the row, so appends of one row take turns across replicas; rows are
 * locked in key order, so two replicas never deadlock), insert it, drop what
 * falls past `linesPerRow`. Retention by days counts from `kept`, the
 * coordinator's clock: reads leave older lines out, `sweep` deletes them.
 */
export class PgInstallLogs implements InstallLogStore {
  private readonly retention: InstallLogRetention;
  private pending: PendingLine[] = [];
  private writing: Promise<void> | null = null;

  constructor(private readonly options: PgInstallLogsOptions) {
    this.retention = { ...DEFAULT_INSTALL_LOG_RETENTION, ...options.retention };
  }

  async append(row: InstallLogRow, line: InstallLogLine): Promise<boolean> {
    checkRow(row);
    return new Promise<boolean>((done, failed) => {
      this.pending.push({ row, line, done, failed });
      this.writing ??= this.writeLoop();
    });
  }

  /** The one writer: a batch of what is pending per transaction, until nothing is. */
  private async writeLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, BATCH);
      // Stable: a row's lines keep their arrival order.
      const ordered = [...batch].sort((a, b) => rowKey(a.row).localeCompare(rowKey(b.row)));
      try {
        const kept = await this.options.db.transaction(async (tx) => {
          const results: boolean[] = [];
          for (const item of ordered) results.push(await this.keep(tx, item.row, item.line));
          return results;
        });
        for (const [index, item] of ordered.entries()) item.done(kept[index] ?? false);
      } catch (error) {
        for (const item of ordered) item.failed(error);
      }
    }
    this.writing = null;
  }

  /** Keeps one line inside the batch's transaction; false when it is kept already. */
  private async keep(tx: Queryable, row: InstallLogRow, line: InstallLogLine): Promise<boolean> {
    const key = [row.store, row.workstation, row.function];
    const known = await tx.query(
      `SELECT 1 FROM install_log_lines
       WHERE store = $1 AND workstation = $2 AND function = $3 AND seq = $4 AND at = $5`,
      [...key, line.seq, line.ts],
    );
    if ((known.rowCount ?? 0) > 0) return false;
    const bumped = await tx.query<{ last_n: string }>(
      `INSERT INTO install_log_rows (store, workstation, function, last_n) VALUES ($1, $2, $3, 1)
       ON CONFLICT (store, workstation, function)
       DO UPDATE SET last_n = install_log_rows.last_n + 1
       RETURNING last_n`,
      key,
    );
    const n = Number(bumped.rows[0]?.last_n);
    const entry: InstallLogEntry = {
      at: line.ts,
      requestId: line.requestId,
      level: line.level,
      source: line.source,
      stream: line.stream,
      text: line.line,
    };
    // The row lock taken above made a twin of this line (another replica) wait; committed
    // meanwhile, it conflicts here: the n goes back (still locked), nothing is kept.
    const inserted = await tx.query(
      `INSERT INTO install_log_lines (store, workstation, function, n, seq, at, request_id, kept, line)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (store, workstation, function, seq, at) DO NOTHING`,
      [...key, n, line.seq, line.ts, line.requestId, this.options.now(), JSON.stringify(entry)],
    );
    if ((inserted.rowCount ?? 0) === 0) {
      await tx.query(
        `UPDATE install_log_rows SET last_n = last_n - 1
         WHERE store = $1 AND workstation = $2 AND function = $3`,
        key,
      );
      return false;
    }
    await tx.query(
      `DELETE FROM install_log_lines
       WHERE store = $1 AND workstation = $2 AND function = $3 AND n <= $4`,
      [...key, n - this.retention.linesPerRow],
    );
    return true;
  }

  async read(
    row: InstallLogRow,
    query: InstallLogQuery = {},
  ): Promise<{ lines: StoredLogLine[]; next: number }> {
    checkRow(row);
    const after = query.after ?? 0;
    const since = this.options.now() - this.retention.days * DAY_MS;
    const { rows } = await this.options.db.query<{ n: string; seq: string; line: InstallLogEntry }>(
      `SELECT n, seq, line FROM install_log_lines
       WHERE store = $1 AND workstation = $2 AND function = $3 AND kept >= $4
       ORDER BY n DESC LIMIT $5`,
      [row.store, row.workstation, row.function, since, this.retention.linesPerRow],
    );
    const kept = rows.reverse().map((r) => ({ ...r.line, n: Number(r.n), seq: Number(r.seq) }));
    const next = Math.max(after, kept.at(-1)?.n ?? 0);
    const lines = kept
      .filter((line) => line.n > after)
      .filter((line) => query.requestId === undefined || line.requestId === query.requestId)
      .map(({ n, seq, at, requestId, level, source, stream, text }) => ({
        n,
        seq,
        at,
        requestId,
        level,
        source,
        stream,
        text,
      }));
    return { lines, next };
  }

  /**
   * Deletes the lines older than the retention by days (of rows nothing
   * writes to any more too); answers how many rows it looked at.
   */
  async sweep(): Promise<number> {
    const since = this.options.now() - this.retention.days * DAY_MS;
    await this.options.db.query("DELETE FROM install_log_lines WHERE kept < $1", [since]);
    const { rows } = await this.options.db.query<{ rows: string }>(
      "SELECT COUNT(*) AS rows FROM install_log_rows",
    );
    return Number(rows[0]?.rows ?? 0);
  }

  async forgetWorkstation(store: string, workstation: string): Promise<void> {
    await this.options.db.transaction(async (tx) => {
      for (const table of ["install_log_lines", "install_log_rows"])
        await tx.query(`DELETE FROM ${table} WHERE store = $1 AND workstation = $2`, [
          store,
          workstation,
        ]);
    });
  }

  /** Waits for the lines being written. */
  async close(): Promise<void> {
    await this.writing;
  }
}

function rowKey(row: InstallLogRow): string {
  return `${row.store}/${row.workstation}/${row.function}`;
}

function checkRow(row: InstallLogRow): void {
  if (!ID_PATTERN.test(row.store) || !ID_PATTERN.test(row.workstation))
    throw new Error(`install log: bad workstation id ${row.store}/${row.workstation}`);
  if (!FUNCTION_NAME_PATTERN.test(row.function))
    throw new Error(`install log: bad function name ${JSON.stringify(row.function)}`);
}
