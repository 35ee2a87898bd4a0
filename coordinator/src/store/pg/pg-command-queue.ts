import pg from "pg";
import { COMMAND_STATES, type CommandState } from "../../replicas/command-plan.js";
import type { CommandKind, CommandNotice, CommandQueue } from "../../replicas/command-queue.js";
import type { PgDatabase, Queryable } from "./pg-database.js";

/** Where command state changes are told (migration 004). */
export const COMMANDS_CHANNEL = "tillroll_commands";

/**
 * A pending command older than this is nobody's any more (its follower waits 10 s, and
 * 10 s more once claimed): no leader runs it (a start asked for before an outage must not
 * happen after it); it is abandoned instead.
 */
const STALE_SECONDS = 60;
/** Finished commands are kept this long (for a look at what was handed over), then deleted. */
const KEEP_HOURS = 1;

/**
 * CommandQueue over `replica_commands` (migration 004). Each change is one
 * conditional UPDATE and its NOTIFY in one transaction (delivered at COMMIT).
 * Notices are heard on a connection of its own, opened on the first `listen`
 * and opened again after it is lost; callers also poll, so a notice lost with
 * a connection delays a command, never loses it.
 */
export class PgCommandQueue implements CommandQueue {
  private readonly listeners = new Set<(notice: CommandNotice) => void>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly db: PgDatabase,
    private readonly connectionString: string,
    private readonly log: (message: string) => void,
  ) {}

  submit(kind: CommandKind, payload: unknown): Promise<string> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        "INSERT INTO replica_commands (kind, payload) VALUES ($1, $2) RETURNING id",
        [kind, JSON.stringify(payload)],
      );
      const id = String(rows[0]?.id);
      await tell(tx, id, "pending");
      return id;
    });
  }

  claim(id: string): Promise<{ kind: CommandKind; payload: unknown } | null> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ kind: CommandKind; payload: unknown }>(
        `UPDATE replica_commands SET state = 'claimed'
         WHERE id = $1 AND state = 'pending' AND created_at > now() - interval '${STALE_SECONDS} seconds'
         RETURNING kind, payload`,
        [id],
      );
      const row = rows[0];
      if (row === undefined) return null;
      await tell(tx, id, "claimed");
      return row;
    });
  }

  finish(id: string, result: unknown): Promise<void> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        "UPDATE replica_commands SET state = 'done', result = $2, done_at = now() WHERE id = $1 AND state = 'claimed'",
        [id, JSON.stringify(result ?? null)],
      );
      await tell(tx, id, "done");
    });
  }

  async abandon(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      "UPDATE replica_commands SET state = 'abandoned', done_at = now() WHERE id = $1 AND state = 'pending'",
      [id],
    );
    return rowCount === 1;
  }

  async read(id: string): Promise<{ state: CommandState; result: unknown } | undefined> {
    const { rows } = await this.db.query<{ state: CommandState; result: unknown }>(
      "SELECT state, result FROM replica_commands WHERE id = $1",
      [id],
    );
    return rows[0];
  }

  async pending(): Promise<string[]> {
    await this.db.query(
      `UPDATE replica_commands SET state = 'abandoned', done_at = now()
       WHERE state = 'pending' AND created_at <= now() - interval '${STALE_SECONDS} seconds'`,
    );
    await this.db.query(
      `DELETE FROM replica_commands
       WHERE state IN ('done', 'abandoned') AND done_at < now() - interval '${KEEP_HOURS} hours'`,
    );
    const { rows } = await this.db.query<{ id: string }>(
      "SELECT id FROM replica_commands WHERE state = 'pending' ORDER BY id",
    );
    return rows.map((row) => String(row.id));
  }

  listen(listener: (notice: CommandNotice) => void): () => void {
    this.listeners.add(listener);
    if (this.client === null && this.connecting === null) this.connect();
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private connect(): void {
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: "tillroll-command-listener",
      keepAlive: true,
    });
    let lost = false;
    const lose = (reason: string) => {
      if (lost || this.closed) return;
      lost = true;
      if (this.client === client) this.client = null;
      void client.end().catch(() => undefined);
      this.log(`replica commands: notice connection lost (${reason}); listening again`);
      this.retry ??= setTimeout(() => {
        this.retry = null;
        if (!this.closed) this.connect();
      }, 1_000);
    };
    client.on("error", (error) => lose(error.message));
    client.on("end", () => lose("connection ended"));
    client.on("notification", (message) => {
      if (message.channel !== COMMANDS_CHANNEL) return;
      const notice = parseCommandNotice(message.payload ?? "");
      if (notice === null) return;
      for (const listener of this.listeners) listener(notice);
    });
    this.connecting = (async () => {
      await client.connect();
      await client.query(`LISTEN ${COMMANDS_CHANNEL}`);
      if (this.closed) await client.end();
      else this.client = client;
    })()
      .catch((error: unknown) => lose(error instanceof Error ? error.message : String(error)))
      .finally(() => {
        this.connecting = null;
      });
  }
}

async function tell(tx: Queryable, id: string, state: CommandState): Promise<void> {
  await tx.query("SELECT pg_notify($1, $2)", [COMMANDS_CHANNEL, JSON.stringify({ id, state })]);
}

/** A notice's payload read back, or null for anything else. */
export function parseCommandNotice(payload: string): CommandNotice | null {
  try {
    const value = JSON.parse(payload) as { id?: unknown; state?: unknown };
    const state = COMMAND_STATES.find((s) => s === value.state);
    return typeof value.id === "string" && state !== undefined ? { id: value.id, state } : null;
  } catch {
    return null;
  }
}
