import pg from "pg";
import type { LockSession } from "./leader-lease.js";

/**
 * The leader's advisory lock key, in PostgreSQL's two-int4 key space (which the
 * single-bigint space, e.g. the schema migrations' lock, does not overlap):
 * "till" as ASCII, then 1 for "leader of the fleet".
 */
export const LEADER_LOCK_KEY: readonly [number, number] = [0x7469_6c6c, 1];

export interface PgLockSessionOptions {
  /** The `--database` connection string. Not through a transaction-pooling PgBouncer: the lock lives in the session. */
  connectionString: string;
  key?: readonly [number, number];
  /** A heartbeat or lock query unanswered this long counts as a lost connection. */
  queryTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/**
 * A dedicated connection (not from the store's pool: a pooled connection would
 * carry the lock to whoever used it next) that can hold the leader lock.
 */
export async function openPgLockSession(options: PgLockSessionOptions): Promise<LockSession> {
  const [classKey, objectKey] = options.key ?? LEADER_LOCK_KEY;
  const queryTimeoutMs = options.queryTimeoutMs ?? 3_000;
  const client = new pg.Client({
    connectionString: options.connectionString,
    application_name: "tillroll-leader-lease",
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    query_timeout: queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 1_000,
  });
  const lostListeners: ((reason: string) => void)[] = [];
  let lost = false;
  const loseOnce = (reason: string) => {
    if (lost) return;
    lost = true;
    for (const listener of lostListeners) listener(reason);
  };
  client.on("error", (error) => loseOnce(error.message));
  client.on("end", () => loseOnce("connection ended"));
  await client.connect();
  try {
    // The server's side of a network cut: without keepalives the server would keep a
    // silent session (and its lock) for hours. These end it within ~6 s of silence, so
    // another replica can take over; they apply to TCP connections (not a unix socket,
    // which cannot be cut).
    await client.query(
      `SET tcp_keepalives_idle = 2; SET tcp_keepalives_interval = 1;
       SET tcp_keepalives_count = 3; SET tcp_user_timeout = ${Math.max(1_000, queryTimeoutMs + 2_000)}`,
    );
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    tryLock: async () => {
      const result = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked",
        [classKey, objectKey],
      );
      return result.rows[0]?.locked === true;
    },
    heartbeat: async () => {
      await client.query("SELECT 1");
    },
    unlock: async () => {
      await client.query("SELECT pg_advisory_unlock($1::int4, $2::int4)", [classKey, objectKey]);
    },
    end: async () => {
      lost = true;
      await client.end();
    },
    onLost: (listener) => {
      lostListeners.push(listener);
    },
  };
}
