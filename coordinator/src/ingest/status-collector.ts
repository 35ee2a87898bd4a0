import { decodePayload, parseTopic, type Result } from "@tillroll/protocol";
import type { ServiceRow } from "../fleet/service-row.js";
import { wsKey } from "../state/coordinator-state.js";
import type { CoordinatorStore } from "../store/coordinator-store.js";
import { rowsFromStatus } from "./apply-status.js";
import { Presence } from "./presence.js";
import { seqVerdict } from "./seq-order.js";

export interface StatusCollectorOptions {
  /**
   * Told the rows of every status report recorded (not stale ones): the
   * release runner matches them to its members, so releases react to status
   * as it arrives without scanning the fleet.
   */
  readonly onRows?: (rows: readonly ServiceRow[]) => void;
  /**
   * Told when a workstation's agent came online or went offline (`store/ws`):
   * rows show presence when read, so the live console re-sends that
   * workstation's rows.
   */
  readonly onPresence?: (key: string, online: boolean) => void;
  /**
   * Told each `log` message (install log lines) of an enrolled workstation;
   * answers a refusal for a payload that is not one.
   */
  readonly onLog?: (
    store: string,
    workstation: string,
    payload: Buffer,
  ) => Result<unknown> | Promise<Result<unknown>>;
}

/**
 * Longest stretch of ingestion work between two turns of the event loop.
 * During a burst the slices run back to back, so a timer (the event-loop
 * monitor's 10 ms one, an HTTP answer) waits up to one slice plus the I/O of
 * that turn: 8 ms slices put every turn of a burst at 18 ms and more on the
 * monitor, at the 20 ms p99 target (issue 14); 4 ms leave room for the rest.
 * A turn costs microseconds, so the shorter slice costs no throughput.
 */
const SLICE_MS = 4;

/**
 * Ingests what agents publish: status documents (validated, stale seqs
 * dropped, rows updated) and presence (the `online` column; `offline` is the
 * agent's last will). Nothing here can throw on bad input: a bad message is
 * logged and changes nothing.
 */
export class StatusCollector {
  readonly presence = new Presence();
  /** When each workstation's last status report arrived (ISO 8601 UTC), since this coordinator started. */
  private readonly reportedAt = new Map<string, string>();
  /** Status documents applied (not stale, not refused): for /metrics. */
  reportsApplied = 0;

  constructor(
    private readonly topicRoot: string,
    private readonly store: Pick<CoordinatorStore, "workstations" | "desired" | "fleet">,
    private readonly now: () => number,
    private readonly log: (message: string) => void,
    private readonly options: StatusCollectorOptions = {},
  ) {}

  private readonly queue: { topic: string; payload: Buffer }[] = [];
  private draining = false;

  /**
   * Queues a message; the queue is worked off in slices of at most
   * SLICE_MS, yielding to the event loop between them. The MQTT client hands
   * over a whole TCP read at once (hundreds of statuses during a storm), and
   * validating them all in one go stalled the broker and console for
   * hundreds of milliseconds.
   */
  onMessage(topic: string, payload: Buffer): void {
    this.queue.push({ topic, payload });
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => void this.drain());
    }
  }

  /** One message after the other, in arrival order: a report's seq check needs the one before it recorded. */
  private async drain(): Promise<void> {
    const started = performance.now();
    let done = 0;
    while (done < this.queue.length && performance.now() - started < SLICE_MS) {
      const next = this.queue[done] as { topic: string; payload: Buffer };
      await this.handle(next.topic, next.payload).catch((error: Error) =>
        this.log(`message on ${next.topic} not applied: ${error.message}`),
      );
      done += 1;
    }
    this.queue.splice(0, done);
    if (this.queue.length > 0) setImmediate(() => void this.drain());
    else this.draining = false;
  }

  private async handle(topic: string, payload: Buffer): Promise<void> {
    // An empty retained message deletes one (a removed workstation's): not a document.
    if (payload.length === 0) return;
    const address = parseTopic(topic, this.topicRoot);
    if (!address.ok) return;
    const { kind, store, workstation } = address.value;
    const key = wsKey({ store, workstation });
    const enrolled = await this.store.workstations.get({ store, workstation });
    if (enrolled === undefined) {
      if (kind === "status") this.log(`status from ${key} ignored: workstation not enrolled`);
      return;
    }
    if (kind === "status") await this.onStatus(key, store, workstation, enrolled.group, payload);
    else if (kind === "presence") await this.onPresence(key, payload, enrolled.capabilities);
    else if (kind === "log" && this.options.onLog !== undefined) {
      const kept = await this.options.onLog(store, workstation, payload);
      if (!kept.ok) this.refuse(key, kept.error);
    }
  }

  private async onStatus(
    key: string,
    store: string,
    workstation: string,
    group: string | null,
    payload: Buffer,
  ): Promise<void> {
    const decoded = decodePayload("status", payload);
    const doc = decoded.ok ? decoded.value : null;
    if (doc === null || doc.store !== store || doc.workstation !== workstation) {
      this.refuse(
        key,
        decoded.ok
          ? `document names ${decoded.value.store}/${decoded.value.workstation}`
          : decoded.error,
      );
      return;
    }
    const ref = { store, workstation };
    const last = await this.store.fleet.lastStatusSeq(ref);
    const verdict = seqVerdict(doc.seq, last);
    // The report applied last, replayed (retained) to a coordinator that
    // restarted: it was sent at its `ts`, by the agent's clock.
    if (doc.seq === last && !this.reportedAt.has(key)) this.reportedAt.set(key, doc.ts);
    if (verdict === "stale") return; // stale or duplicate: state, not events
    if (verdict === "restarted")
      this.log(
        `status from ${key}: seq ${doc.seq} far below ${last}: the agent restarted without its state`,
      );
    this.reportsApplied += 1;
    this.reportedAt.set(key, new Date(this.now()).toISOString());
    const existing = new Map<string, ServiceRow>(
      (await this.store.fleet.rowsOf(ref)).map((row) => [row.function, row]),
    );
    const rows = rowsFromStatus({
      doc,
      group,
      online: this.presence.isOnline(key),
      desired: await this.store.desired.servicesOf(ref),
      existing,
      now: new Date(this.now()).toISOString(),
    });
    await this.store.fleet.recordStatus({ ref, seq: doc.seq, rows });
    this.options.onRows?.(rows);
  }

  /** When the workstation (`store/ws`) last reported its status; null when not since this coordinator started. */
  lastReport(key: string): string | null {
    return this.reportedAt.get(key) ?? null;
  }

  private async onPresence(
    key: string,
    payload: Buffer,
    stored: readonly string[] | undefined,
  ): Promise<void> {
    const decoded = decodePayload("presence", payload);
    if (!decoded.ok) {
      this.refuse(key, decoded.error);
      return;
    }
    const online = decoded.value.state === "online";
    const wasOnline = this.presence.isOnline(key);
    const verdict = this.presence.apply(
      key,
      online,
      decoded.value.seq,
      decoded.value.capabilities ?? null,
    );
    // Kept with the workstation (written only when they change), so a restarted
    // coordinator knows them before the agent's next `online`.
    const now = this.presence.capabilitiesOf(key);
    if (online && verdict !== "stale" && JSON.stringify(now) !== JSON.stringify(stored ?? null)) {
      const [store = "", workstation = ""] = key.split("/");
      await this.store.workstations.setCapabilities({ store, workstation }, now);
    }
    if (verdict !== "stale" && online !== wasOnline) this.options.onPresence?.(key, online);
    if (verdict === "restarted")
      this.log(
        `presence from ${key}: seq ${decoded.value.seq} far below the last: the agent restarted without its state`,
      );
  }

  private refuse(key: string, why: string): void {
    this.log(`message from ${key} ignored: ${why}`);
  }
}
