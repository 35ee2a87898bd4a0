import { join } from "node:path";
import { z } from "zod";
import { writeFileDurably } from "../../files/durable-file.js";
import { NOTICE_EVENTS } from "../../notices/notice-model.js";
import type { Webhook, WebhookRegistry } from "../../notices/webhook-registry.js";
import { errorText } from "../../setup/data-dir-error.js";
import { decodeDataFile, readDataFile } from "./data-files.js";

const fileSchema = z.object({
  schemaVersion: z.literal(1),
  nextId: z.number().int().min(1),
  webhooks: z.array(
    z.object({
      id: z.string().regex(/^[1-9][0-9]*$/),
      url: z.string(),
      secret: z.string(),
      events: z.array(z.enum(NOTICE_EVENTS)).nullable(),
      createdBy: z.string(),
      createdAt: z.string(),
    }),
  ),
});

/**
 * WebhookRegistry over `DATA/webhooks.json` (mode 600: it holds the
 * secrets), replaced whole and fsync'd on every change; memory changes only
 * after the write succeeded.
 */
export class JsonWebhooks implements WebhookRegistry {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private webhooks: readonly Webhook[],
    private nextId: number,
  ) {}

  static async open(dataDir: string): Promise<JsonWebhooks> {
    const path = join(dataDir, "webhooks.json");
    const text = await readDataFile(path);
    if (text === null) return new JsonWebhooks(path, [], 1);
    const file = decodeDataFile(fileSchema, text, path, "webhook list");
    return new JsonWebhooks(path, file.webhooks, file.nextId);
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
      const webhook = structuredClone(make(String(this.nextId)));
      const webhooks = [...this.webhooks, webhook];
      await this.write(webhooks, this.nextId + 1);
      this.webhooks = webhooks;
      this.nextId += 1;
      return structuredClone(webhook);
    });
  }

  remove(id: string): Promise<Webhook | undefined> {
    return this.serially(async () => {
      const found = this.webhooks.find((webhook) => webhook.id === id);
      if (found === undefined) return undefined;
      const webhooks = this.webhooks.filter((webhook) => webhook.id !== id);
      await this.write(webhooks, this.nextId);
      this.webhooks = webhooks;
      return structuredClone(found);
    });
  }

  private async write(webhooks: readonly Webhook[], nextId: number): Promise<void> {
    try {
      await writeFileDurably(
        this.path,
        `${JSON.stringify({ schemaVersion: 1, nextId, webhooks }, null, 2)}\n`,
        { mode: 0o600, existing: "replace" },
      );
    } catch (error) {
      throw new Error(`cannot save ${this.path} (${errorText(error)}); nothing changed`);
    }
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
