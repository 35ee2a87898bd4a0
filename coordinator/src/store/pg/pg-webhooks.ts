import type { Webhook, WebhookRegistry } from "../../notices/webhook-registry.js";
import type { PgDatabase, Queryable } from "./pg-database.js";

/** The `counters` row of the last webhook id handed out. */
export const WEBHOOK_ID_COUNTER = "webhook_id";

/**
 * WebhookRegistry over the `webhooks` table, with a memory mirror loaded at
 * open for the synchronous reads (delivery asks per notice). A change is
 * committed before the mirror changes; ids come from the `counters` row
 * bumped in the same transaction, so an id is never handed out twice (a
 * removed webhook's id neither), also across replicas and restarts.
 */
export class PgWebhooks implements WebhookRegistry {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: PgDatabase,
    private webhooks: readonly Webhook[],
  ) {}

  /** Issue 14: tells the other replicas, inside the changing transaction. */
  private notify: (tx: Queryable) => Promise<void> = async () => undefined;

  static async open(
    db: PgDatabase,
    notify?: (tx: Queryable) => Promise<void>,
  ): Promise<PgWebhooks> {
    const hooks = new PgWebhooks(db, []);
    if (notify !== undefined) hooks.notify = notify;
    await hooks.reload();
    return hooks;
  }

  /** Issue 14: reads the table again after another replica changed it, after queued changes. */
  refresh(): Promise<void> {
    return this.serially(() => this.reload());
  }

  /** Reads the table again (another replica may have changed it). */
  async reload(): Promise<void> {
    const { rows } = await this.db.query<{ record: Webhook }>(
      "SELECT record FROM webhooks ORDER BY id",
    );
    this.webhooks = rows.map((row) => row.record);
  }

  list(): readonly Webhook[] {
    return this.webhooks.map((webhook) => structuredClone(webhook));
  }

  get(id: string): Webhook | undefined {
    const found = this.webhooks.find((webhook) => webhook.id === id);
    return found === undefined ? undefined : structuredClone(found);
  }

  add(make: (id: string) => Webhook): Promise<Webhook> {
    return this.serially(async () => {
      const webhook = await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ value: string }>(
          `INSERT INTO counters (name, value) VALUES ($1, 1)
           ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
           RETURNING value`,
          [WEBHOOK_ID_COUNTER],
        );
        const id = String(rows[0]?.value);
        const made = structuredClone(make(id));
        if (made.id !== id) throw new Error(`webhook made for id ${id} has id ${made.id}`);
        await tx.query("INSERT INTO webhooks (id, record) VALUES ($1, $2)", [
          id,
          JSON.stringify(made),
        ]);
        await this.notify(tx);
        return made;
      });
      this.webhooks = [...this.webhooks, webhook];
      return structuredClone(webhook);
    });
  }

  remove(id: string): Promise<Webhook | undefined> {
    return this.serially(async () => {
      if (!/^[1-9][0-9]{0,17}$/.test(id)) return undefined;
      const { rows } = await this.db.transaction(async (tx) => {
        const deleted = await tx.query<{ record: Webhook }>(
          "DELETE FROM webhooks WHERE id = $1 RETURNING record",
          [id],
        );
        if (deleted.rows.length > 0) await this.notify(tx);
        return deleted;
      });
      this.webhooks = this.webhooks.filter((webhook) => webhook.id !== id);
      const removed = rows[0]?.record;
      return removed === undefined ? undefined : structuredClone(removed);
    });
  }

  /** One change at a time; a failed one does not fail those queued after it. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
