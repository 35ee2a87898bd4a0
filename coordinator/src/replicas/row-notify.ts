import pg from "pg";
import {
  MIRRORS_CHANNEL,
  type MirrorName,
  mirrorNoticePayload,
  parseMirrorNotice,
  parseRowNotice,
  ROWS_CHANNEL,
  rowNoticePayloads,
} from "./row-notice.js";

/**
 * Issue 14 (replicas): fleet-row changes fanned out through PostgreSQL.
 * `notifyRows` sends the notices on a connection given by the caller: inside
 * the transaction that changed the rows, PostgreSQL delivers them at COMMIT
 * and never after a ROLLBACK. `RowListener` LISTENs on a connection of its own
 * and reports other replicas' changed keys; after its connection was lost (and
 * notices with it) it reconnects and reports a resync.
 */

/** What runs a query: a pool, a client, or a transaction's client. */
export interface Queryable {
  query(sql: string, params: unknown[]): Promise<unknown>;
}

/** Tells the other replicas that `keys` changed (nothing for no keys). */
export async function notifyRows(
  db: Queryable,
  origin: string,
  keys: readonly string[],
): Promise<void> {
  for (const payload of rowNoticePayloads(origin, keys))
    await db.query("SELECT pg_notify($1, $2)", [ROWS_CHANNEL, payload]);
}

/** Tells the other replicas that the mirror `mirror` changed (inside the changing transaction). */
export async function notifyMirror(
  db: Queryable,
  origin: string,
  mirror: MirrorName,
  id?: string,
): Promise<void> {
  await db.query("SELECT pg_notify($1, $2)", [
    MIRRORS_CHANNEL,
    mirrorNoticePayload(origin, mirror, id),
  ]);
}

export interface RowListenerOptions {
  connectionString: string;
  /** This replica's origin: its own notices are not reported back to it. */
  origin: string;
  /** Row keys another replica changed. */
  onKeys: (keys: string[]) => void;
  /** Notices may have been missed (or a change was too large to list): reload everything. */
  onResync: (reason: string) => void;
  /** Another replica changed this mirror (heard on tillroll_mirrors): read it again. */
  onMirror?: (mirror: MirrorName, id?: string) => void;
  log: (message: string) => void;
  /** Between reconnect attempts. */
  retryMs?: number;
}

export class RowListener {
  private client: pg.Client | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly options: RowListenerOptions) {}

  /** Resolves once it listens: changes committed from then on are reported. */
  static async start(options: RowListenerOptions): Promise<RowListener> {
    const listener = new RowListener(options);
    await listener.connect();
    return listener;
  }

  get listening(): boolean {
    return this.client !== null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: "tillroll-row-listener",
      keepAlive: true,
    });
    let lost = false;
    const lose = (reason: string) => {
      if (lost || this.closed) return;
      lost = true;
      if (this.client === client) this.client = null;
      void client.end().catch(() => undefined);
      this.options.log(`row notices: connection lost (${reason}); listening again`);
      this.retry();
    };
    client.on("error", (error) => lose(error.message));
    client.on("end", () => lose("connection ended"));
    client.on("notification", (message) => {
      if (this.closed) return;
      if (message.channel === MIRRORS_CHANNEL) {
        const notice = parseMirrorNotice(message.payload ?? "");
        if (!notice.ok) return this.options.log(`mirror notices: ignored: ${notice.error}`);
        if (notice.value.origin !== this.options.origin)
          this.options.onMirror?.(notice.value.mirror, notice.value.id);
        return;
      }
      if (message.channel !== ROWS_CHANNEL) return;
      const notice = parseRowNotice(message.payload ?? "");
      if (!notice.ok) return this.options.log(`row notices: ignored: ${notice.error}`);
      if (notice.value.origin === this.options.origin) return;
      if (notice.value.kind === "resync") this.options.onResync(`${notice.value.origin} asked`);
      else this.options.onKeys(notice.value.keys);
    });
    await client.connect();
    await client.query(`LISTEN ${ROWS_CHANNEL}`);
    await client.query(`LISTEN ${MIRRORS_CHANNEL}`);
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private retry(): void {
    if (this.closed || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().then(
        // Whatever was committed while nobody listened is unknown: reload.
        () => {
          if (!this.closed) this.options.onResync("listening again after a lost connection");
        },
        (error: unknown) => {
          this.options.log(
            `row notices: not listening yet: ${error instanceof Error ? error.message : String(error)}`,
          );
          this.retry();
        },
      );
    }, this.options.retryMs ?? 2_000);
  }
}
