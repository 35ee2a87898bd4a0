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
import type { PgDatabase } from "./pg-database.js";

const DAY_MS = 86_400_000;

export interface PgInstallLogsOptions {
  db: PgDatabase;
  retention?: Partial<InstallLogRetention> | undefined;
  now: () => number;
}

/**
 * InstallLogStore over `install_log_lines` (one row per kept line) and
 * `install_log_rows` (the last `n` of each workstation and function, so a
 * cursor is never reused, even after retention dropped every line). An
 * append is one transaction: bump the row's `n` (which locks the row, so
 * appends of one row take turns across replicas), insert the line unless
 * `(row, seq, ts)` is kept already (then roll back: nothing changed), drop
 * what falls past `linesPerRow`. Retention by days counts from `kept`, the
 * coordinator's clock: reads leave older lines out, `sweep` deletes them.
 */
export class PgInstallLogs implements InstallLogStore {
  private readonly retention: InstallLogRetention;

  constructor(private readonly options: PgInstallLogsOptions) {
    this.retention = { ...DEFAULT_INSTALL_LOG_RETENTION, ...options.retention };
  }

  async append(row: InstallLogRow, line: InstallLogLine): Promise<boolean> {
    checkRow(row);
    const entry: InstallLogEntry = {
      at: line.ts,
      requestId: line.requestId,
      level: line.level,
      source: line.source,
      stream: line.stream,
      text: line.line,
    };
    return this.options.db
      .transaction(async (tx) => {
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
        // The row lock taken above makes a concurrent twin of this line wait, then conflict here.
        const inserted = await tx.query(
          `INSERT INTO install_log_lines (store, workstation, function, n, seq, at, request_id, kept, line)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (store, workstation, function, seq, at) DO NOTHING`,
          [...key, n, line.seq, line.ts, line.requestId, this.options.now(), JSON.stringify(entry)],
        );
        if ((inserted.rowCount ?? 0) === 0) throw new DuplicateLine();
        await tx.query(
          `DELETE FROM install_log_lines
         WHERE store = $1 AND workstation = $2 AND function = $3 AND n <= $4`,
          [...key, n - this.retention.linesPerRow],
        );
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof DuplicateLine) return false;
        throw error;
      });
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

  /** Every append resolved once committed: nothing is pending. */
  async close(): Promise<void> {}
}

/** A twin of the line committed between the check and the insert: rolled back, kept once. */
class DuplicateLine extends Error {}

function checkRow(row: InstallLogRow): void {
  if (!ID_PATTERN.test(row.store) || !ID_PATTERN.test(row.workstation))
    throw new Error(`install log: bad workstation id ${row.store}/${row.workstation}`);
  if (!FUNCTION_NAME_PATTERN.test(row.function))
    throw new Error(`install log: bad function name ${JSON.stringify(row.function)}`);
}
