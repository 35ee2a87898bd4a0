import type { NoticeOutbox, OutboxNotice, ReceiverId } from "./outbox.js";
import { describeDelay, retryDelayMs } from "./retry-backoff.js";
import type { SendOutcome } from "./webhook-sender.js";

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** A real sleep that ends early (resolving) when `signal` aborts. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

export interface WorkerDeps {
  readonly outbox: NoticeOutbox;
  /** One attempt; `stopping` aborts when the coordinator closes (the notice stays pending). */
  send(receiver: ReceiverId, notice: OutboxNotice, stopping: AbortSignal): Promise<SendOutcome>;
  readonly sleep: Sleep;
  readonly log: (message: string) => void;
}

/** `webhook 2`, `mail`: how the log names a receiver. */
export function describeReceiver(receiver: ReceiverId): string {
  return receiver.replace(":", " ");
}

/**
 * Delivers one receiver's notices strictly in order: its head (lowest
 * pending seq) is tried until it is delivered, with backoff between tries
 * (retry-backoff.ts), before the next is tried. Each failure is logged with
 * the wait. Idle, it waits for `wake` (a publish); `stop` ends it between
 * attempts (an attempt in flight finishes first).
 */
export class ReceiverWorker {
  private readonly stopping = new AbortController();
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private readonly done: Promise<void>;

  constructor(
    readonly receiver: ReceiverId,
    private readonly deps: WorkerDeps,
  ) {
    this.done = this.run().catch((error: unknown) => {
      deps.log(`${describeReceiver(receiver)}: delivery stopped (${String(error)})`);
    });
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wakeUp?.();
    await this.done;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    const { outbox, log } = this.deps;
    const name = describeReceiver(this.receiver);
    let failures = 0;
    while (!this.stopped) {
      const head = outbox.head(this.receiver);
      if (head === undefined) {
        await this.idle();
        continue;
      }
      const outcome = await this.deps
        .send(this.receiver, head, this.stopping.signal)
        .catch((error: unknown): SendOutcome => ({ kind: "failed", why: String(error) }));
      if (this.stopped && outcome.kind === "failed") break;
      if (outcome.kind === "failed") {
        failures += 1;
        const delay = retryDelayMs(failures);
        log(
          `${name}: delivery ${head.id} failed (${outcome.why}); retry in ${describeDelay(delay)}`,
        );
        await this.deps.sleep(delay, this.stopping.signal);
        continue;
      }
      if (outcome.kind === "dropped") log(`${name}: delivery ${head.id} dropped (${outcome.why})`);
      else if (failures > 0)
        log(`${name}: delivery ${head.id} delivered after ${failures + 1} attempts`);
      try {
        await outbox.markDone(
          head.seq,
          this.receiver,
          outcome.kind === "dropped" ? outcome.why : undefined,
        );
        failures = 0;
      } catch (error) {
        // Delivered but not recorded: tried again later (a receiver may see it twice; the id tells).
        failures += 1;
        const delay = retryDelayMs(failures);
        log(
          `${name}: cannot record delivery ${head.id} (${String(error)}); retry in ${describeDelay(delay)}`,
        );
        await this.deps.sleep(delay, this.stopping.signal);
      }
    }
  }

  private idle(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = null;
        this.woken = false;
        resolve();
      };
    });
  }
}
