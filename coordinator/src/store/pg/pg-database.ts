// A thin wrapper over a pg Pool: single statements, and transactions that roll back on
// any error (and are retried once when PostgreSQL reports a serialization failure or a
// deadlock, which a second attempt usually clears).

import pg from "pg";

/** What a transaction body (or a plain caller) runs statements on. */
export interface Queryable {
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ): Promise<pg.QueryResult<Row>>;
}

export interface PgDatabase extends Queryable {
  /** Runs `body` inside BEGIN … COMMIT on one connection; ROLLBACK and rethrow on error. */
  transaction<T>(body: (client: Queryable) => Promise<T>): Promise<T>;
  /** Waits for running statements and closes every connection. */
  close(): Promise<void>;
}

export interface PgDatabaseOptions {
  /** A postgres:// connection string, used as given. */
  readonly url: string;
  /** Most connections the pool opens (default 10). */
  readonly max?: number;
}

/** SQLSTATEs worth one more attempt: serialization_failure, deadlock_detected. */
const RETRYABLE = new Set(["40001", "40P01"]);

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && RETRYABLE.has(code);
}

export function openPgDatabase(options: PgDatabaseOptions): PgDatabase {
  const pool = new pg.Pool({ connectionString: options.url, max: options.max ?? 10 });
  // An idle client losing its connection must not crash the process: the next query
  // on the pool opens a fresh one and reports any real problem to its caller.
  pool.on("error", () => undefined);

  async function once<T>(body: (client: Queryable) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await body(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
      } catch {
        // The connection itself failed: do not hand it back to the pool.
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  return {
    query: (text, values) => pool.query(text, values as unknown[] | undefined),
    async transaction(body) {
      try {
        return await once(body);
      } catch (error) {
        if (!isRetryable(error)) throw error;
        return once(body);
      }
    },
    close: () => pool.end(),
  };
}
