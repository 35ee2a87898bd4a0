import { randomBytes } from "node:crypto";
import type { AuthenticatedOperator } from "../../accounts/operators.js";
import {
  expiresAt,
  hashSessionId,
  isExpired,
  lastUseWriteEveryMs,
  type SharedSession,
  type SharedSessionLimits,
  sessionLimits,
  shouldWriteLastUse,
  sweepBefore,
  webSessionOf,
} from "../../accounts/shared-sessions.js";
import type {
  SessionStoreOptions,
  WebSession,
  WebSessionStore,
} from "../../accounts/web-sessions.js";
import type { PgDatabase, Queryable } from "./pg-database.js";
import { SerialQueue } from "./serial-queue.js";

interface SessionRow {
  id_hash: string;
  operator: string;
  credential_id: string;
  created_at: Date;
  last_used_at: Date;
}

const COLUMNS = "id_hash, operator, credential_id, created_at, last_used_at";

export interface PgWebSessionsOptions extends SessionStoreOptions {
  /** Tells the other replicas that sessions ended, inside the deleting transaction. */
  notify?: (tx: Queryable) => Promise<void>;
  log: (message: string) => void;
}

/**
 * Issue 14: web sessions in the `web_sessions` table, so a session opened on
 * one replica is accepted by every other. `touch` and `peek` stay synchronous
 * (every request asks) and answer from a memory mirror loaded at open:
 * - a session this replica has not seen (opened elsewhere a moment ago) is
 *   fetched by `recall`, one SELECT by primary key, before the request is
 *   checked; a notice on every creation would race the browser's next request;
 * - an ending (logout, operator removed or reset) is deleted, then NOTIFYd on
 *   `tillroll_mirrors` in the same transaction: every replica reads the table
 *   again and drops it;
 * - sliding expiry writes the last use back at most once per
 *   `lastUseWriteEveryMs` per session (once a minute by default), not per request;
 * - every such interval the table is swept of ended sessions and read again
 *   (other replicas' last uses, notices missed while not listening).
 */
export class PgWebSessions implements WebSessionStore {
  private sessions = new Map<string, SharedSession>();
  private readonly limits: SharedSessionLimits;
  private readonly writeEveryMs: number;
  private readonly queue = new SerialQueue();
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly db: PgDatabase,
    private readonly options: PgWebSessionsOptions,
  ) {
    this.limits = sessionLimits(options);
    this.writeEveryMs = lastUseWriteEveryMs(this.limits);
  }

  static async open(db: PgDatabase, options: PgWebSessionsOptions): Promise<PgWebSessions> {
    const store = new PgWebSessions(db, options);
    await store.reload();
    store.timer = setInterval(() => {
      store.sweep().then(
        () => store.refresh(),
        (error: unknown) => store.warn("cannot sweep ended sessions", error),
      );
    }, store.writeEveryMs);
    store.timer.unref();
    return store;
  }

  get idleTimeoutMs(): number {
    return this.limits.idleTimeoutMs;
  }

  /** Sessions this replica holds (for tests and metrics). */
  get size(): number {
    return this.sessions.size;
  }

  /** Durable before it answers: the cookie works on every replica from then on. */
  create(operator: AuthenticatedOperator): Promise<WebSession> {
    return this.queue.run(async () => {
      const now = this.options.now();
      await this.evictForRoom(now);
      const id = randomBytes(32).toString("base64url");
      const session: SharedSession = {
        idHash: hashSessionId(id),
        name: operator.name,
        credentialId: operator.credentialId,
        createdAt: now,
        lastSeenAt: now,
        storedLastUsedAt: now,
      };
      await this.db.query(
        `INSERT INTO web_sessions (${COLUMNS}, expires_at) VALUES ($1, $2, $3, $4, $4, $5)`,
        [
          session.idHash,
          session.name,
          session.credentialId,
          new Date(now),
          new Date(expiresAt(session, this.limits)),
        ],
      );
      this.sessions.set(session.idHash, session);
      return webSessionOf(id, session);
    });
  }

  touch(id: string): WebSession | null {
    const session = this.live(id);
    if (session === null) return null;
    const now = this.options.now();
    session.lastSeenAt = Math.max(session.lastSeenAt, now);
    if (shouldWriteLastUse(session, now, this.writeEveryMs)) {
      session.storedLastUsedAt = now;
      this.db
        .query(
          "UPDATE web_sessions SET last_used_at = GREATEST(last_used_at, $2), expires_at = GREATEST(expires_at, $3) WHERE id_hash = $1",
          [session.idHash, new Date(now), new Date(expiresAt(session, this.limits))],
        )
        .catch((error: unknown) => this.warn("cannot write a session's last use", error));
    }
    return webSessionOf(id, session);
  }

  peek(id: string): WebSession | null {
    const session = this.live(id);
    return session === null ? null : webSessionOf(id, session);
  }

  /**
   * A session not held here, or ended by this replica's clock of its last
   * use (another replica may have seen it since): read its row once.
   */
  async recall(id: string): Promise<void> {
    if (this.live(id) !== null) return;
    const idHash = hashSessionId(id);
    const { rows } = await this.db.query<SessionRow>(
      `SELECT ${COLUMNS} FROM web_sessions WHERE id_hash = $1`,
      [idHash],
    );
    const row = rows[0];
    if (row === undefined) this.sessions.delete(idHash);
    else this.sessions.set(idHash, this.merged(row));
  }

  /** Drops it from memory only: the next request with it reads its row again (`recall`). */
  forget(id: string): void {
    this.sessions.delete(hashSessionId(id));
  }

  delete(id: string): Promise<boolean> {
    const idHash = hashSessionId(id);
    return this.end("id_hash = $1", [idHash], (s) => s.idHash === idHash).then((n) => n > 0);
  }

  deleteForOperator(name: string): Promise<number> {
    return this.end("operator = $1", [name], (s) => s.name === name);
  }

  /** Deletes the rows ended by now (less the last-use grace); answers how many. */
  async sweep(): Promise<number> {
    const before = sweepBefore(this.options.now(), this.limits);
    const { rowCount } = await this.db.query("DELETE FROM web_sessions WHERE expires_at <= $1", [
      new Date(before),
    ]);
    return rowCount ?? 0;
  }

  /** Reads the table again, after the changes queued before (another replica ended sessions). */
  refresh(): Promise<void> {
    return this.queue
      .run(() => this.reload())
      .catch((error: unknown) => {
        this.warn("cannot read the sessions again", error);
      });
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.queue.idle();
  }

  private async reload(): Promise<void> {
    const { rows } = await this.db.query<SessionRow>(
      `SELECT ${COLUMNS} FROM web_sessions WHERE expires_at > $1`,
      [new Date(sweepBefore(this.options.now(), this.limits))],
    );
    const next = new Map<string, SharedSession>();
    for (const row of rows) next.set(row.id_hash, this.merged(row));
    this.sessions = next;
  }

  /** The row as held here: the later of this replica's last use and the stored one. */
  private merged(row: SessionRow): SharedSession {
    const stored = row.last_used_at.getTime();
    const held = this.sessions.get(row.id_hash);
    return {
      idHash: row.id_hash,
      name: row.operator,
      credentialId: row.credential_id,
      createdAt: row.created_at.getTime(),
      lastSeenAt: Math.max(stored, held?.lastSeenAt ?? 0),
      storedLastUsedAt: Math.max(stored, held?.storedLastUsedAt ?? 0),
    };
  }

  private live(id: string): SharedSession | null {
    const session = this.sessions.get(hashSessionId(id));
    if (session === undefined || isExpired(session, this.options.now(), this.limits)) return null;
    return session;
  }

  /** Deletes the matching rows and tells the other replicas, then forgets them here. */
  private end(
    where: string,
    params: unknown[],
    matches: (session: SharedSession) => boolean,
  ): Promise<number> {
    return this.queue.run(async () => {
      const count = await this.db.transaction(async (tx) => {
        const { rowCount } = await tx.query(`DELETE FROM web_sessions WHERE ${where}`, params);
        if ((rowCount ?? 0) > 0) await this.options.notify?.(tx);
        return rowCount ?? 0;
      });
      for (const [idHash, session] of this.sessions)
        if (matches(session)) this.sessions.delete(idHash);
      return count;
    });
  }

  /** At the cap, the stalest session this replica holds makes room (as the memory store does). */
  private async evictForRoom(now: number): Promise<void> {
    for (const [idHash, session] of this.sessions)
      if (isExpired(session, now, this.limits)) this.sessions.delete(idHash);
    while (this.sessions.size >= this.limits.maxSessions) {
      let stalest: SharedSession | undefined;
      for (const session of this.sessions.values())
        if (stalest === undefined || session.lastSeenAt < stalest.lastSeenAt) stalest = session;
      if (stalest === undefined) return;
      await this.db.query("DELETE FROM web_sessions WHERE id_hash = $1", [stalest.idHash]);
      this.sessions.delete(stalest.idHash);
    }
  }

  private warn(what: string, error: unknown): void {
    this.options.log(
      `web sessions: ${what} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
