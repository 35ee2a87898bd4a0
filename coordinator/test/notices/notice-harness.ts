import type { Sleep } from "../../src/notices/delivery-worker.js";
import type { MailChannel } from "../../src/notices/mail-sender.js";
import type { NoticeInput } from "../../src/notices/notice-model.js";
import type { DirectoryEntry } from "../../src/notices/notice-recipients.js";
import { NoticeService } from "../../src/notices/notice-service.js";
import { JsonOutbox } from "../../src/store/json/json-outbox.js";
import { JsonWebhooks } from "../../src/store/json/json-webhooks.js";
import { CHRISTMAS_BLACKOUT, DIRECTORY, task } from "./notice-fixtures.js";

/**
 * Virtual time for delivery tests: `sleep` moves the clock on at once (and
 * yields a millisecond of real time), so a receiver down for 10 minutes costs
 * a few dozen milliseconds. `at(ms, fn)` runs fn once the clock passed ms.
 */
export class VirtualClock {
  readonly start: number;
  nowMs: number;
  readonly slept: number[] = [];
  private readonly timers: { atMs: number; fn: () => Promise<void> | void }[] = [];

  constructor(startIso = "2026-11-30T10:00:00.000Z") {
    this.start = Date.parse(startIso);
    this.nowMs = this.start;
  }

  readonly now = (): number => this.nowMs;

  readonly sleep: Sleep = async (ms, signal) => {
    if (signal.aborted) return;
    this.slept.push(ms);
    this.nowMs += ms;
    for (const timer of this.timers.filter((t) => t.atMs <= this.nowMs)) {
      this.timers.splice(this.timers.indexOf(timer), 1);
      await timer.fn();
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  };

  /** Runs `fn` when virtual time has passed `offsetMs` after the start. */
  at(offsetMs: number, fn: () => Promise<void> | void): void {
    this.timers.push({ atMs: this.start + offsetMs, fn });
  }

  get elapsedMs(): number {
    return this.nowMs - this.start;
  }
}

export interface TestService {
  readonly service: NoticeService;
  readonly logs: string[];
}

/** A NoticeService over real files in `dir`, with the given clock, mail channel and directory. */
export async function openService(options: {
  dir: string;
  clock: VirtualClock;
  mail?: MailChannel | null;
  operators?: readonly DirectoryEntry[];
  contacts?: Readonly<Record<string, string>>;
  zones?: readonly string[];
  webhookTimeoutMs?: number;
  logs?: string[];
}): Promise<TestService> {
  const logs = options.logs ?? [];
  const log = (line: string) => logs.push(line);
  const outbox = await JsonOutbox.open({ dataDir: options.dir, now: options.clock.now, log });
  const webhooks = await JsonWebhooks.open(options.dir);
  const service = new NoticeService({
    outbox,
    webhooks,
    mail: options.mail ?? null,
    operators: () => options.operators ?? DIRECTORY,
    storeContact: (store) => options.contacts?.[store] ?? null,
    zonesOf: () => options.zones ?? [],
    audit: null,
    now: options.clock.now,
    log,
    sleep: options.clock.sleep,
    ...(options.webhookTimeoutMs === undefined
      ? {}
      : { webhookTimeoutMs: options.webhookTimeoutMs }),
  });
  service.start();
  return { service, logs };
}

export const ADMIN = { name: "admin", role: "admin", scope: null } as const;

/** The notices of the delivery tests, one of each kind, keyed `n1`, `n2`, …. */
export function sampleNotices(from: number, count: number) {
  const kinds: NoticeInput[] = [
    { event: "task.planned", task: task() },
    {
      event: "release.stage-started",
      release: { type: "stage-started", release: "3", stage: "pilot", members: 2 },
    },
    {
      event: "blackout.announced",
      blackout: CHRISTMAS_BLACKOUT,
      by: "admin",
    },
    { event: "task.cancelled", task: task(), by: "admin", reason: "blackout 2" },
  ];
  return Array.from({ length: count }, (_, i) => ({
    key: `n${from + i}`,
    notice: kinds[(from + i) % kinds.length] as NoticeInput,
  }));
}
