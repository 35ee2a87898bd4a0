import type { JsonRow } from "./coordinator-kit.js";
import { STORES } from "./release-probes.js";

/**
 * Samples `GET /api/status` every ~100 ms while a release runs: the most rows
 * of one store seen In Progress at once, and the most seen not OK at once
 * (maxPerStore: never all tills of a store down together).
 */
export class StoreSampler {
  readonly maxInProgress = new Map<string, number>();
  readonly maxNotOk = new Map<string, number>();
  samples = 0;
  errors = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly rows: () => Promise<JsonRow[]>,
    maxMs = 240_000,
  ) {
    this.done = this.loop(Date.now() + maxMs);
  }

  private async loop(deadline: number): Promise<void> {
    while (this.running && Date.now() < deadline) {
      try {
        const rows = await this.rows();
        this.samples += 1;
        const inProgress = new Map<string, number>();
        const notOk = new Map<string, number>();
        for (const r of rows) {
          if (r.status === "In Progress")
            inProgress.set(r.store, (inProgress.get(r.store) ?? 0) + 1);
          if (r.status !== "OK") notOk.set(r.store, (notOk.get(r.store) ?? 0) + 1);
        }
        for (const s of STORES) {
          this.maxInProgress.set(
            s,
            Math.max(this.maxInProgress.get(s) ?? 0, inProgress.get(s) ?? 0),
          );
          this.maxNotOk.set(s, Math.max(this.maxNotOk.get(s) ?? 0, notOk.get(s) ?? 0));
        }
      } catch {
        this.errors += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<{
    samples: number;
    maxInProgress: Record<string, number>;
    maxNotOk: Record<string, number>;
  }> {
    this.running = false;
    await this.done;
    return {
      samples: this.samples,
      maxInProgress: Object.fromEntries(this.maxInProgress),
      maxNotOk: Object.fromEntries(this.maxNotOk),
    };
  }
}
