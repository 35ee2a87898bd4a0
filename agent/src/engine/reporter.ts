import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  AGENT_CAPABILITIES,
  encodePayload,
  type InstallLogLine,
  MAX_LOG_LINE_LENGTH,
  type StatusDocument,
  type TopicKind,
  topicFor,
} from "@tillroll/protocol";
import type { AgentLink } from "../mqtt/agent-link.js";
import { LogOutbox } from "../report/log-outbox.js";
import { buildStatusDocument, withSaveProblem } from "../report/status-report.js";
import {
  MAINTENANCE_OFF,
  type MaintenanceView,
  maintenanceUnion,
  sameMaintenance,
  type UpdateMaintenance,
} from "./maintenance-union.js";
import type { StateStore } from "./state-store.js";

/** The outbox holds at most this many reports; beyond it the oldest status reports are dropped. */
const OUTBOX_LIMIT = 1000;

export interface ReporterOptions {
  store: StateStore;
  ids: { store: string; workstation: string };
  topicRoot: string;
  stateDir: string;
  agentVersion: string;
  now: () => number;
  log: (message: string) => void;
  /** Issue 13: hides recipe secrets in every line and reason that leaves (default: none). */
  mask?: (text: string) => string;
}

/**
 * Everything the agent tells the world. Retained documents (status,
 * maintenance) go through the persisted outbox, in order, so reports made
 * while the broker is unreachable (or across an agent crash) are all sent,
 * in order, once it is back. Install-log lines go through their own durable
 * outbox (report/log-outbox.ts), sent after the status outbox; notices are
 * best effort. Log lines are also kept in the local install log.
 */
export class Reporter {
  private link: AgentLink | null = null;
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  /** The install-log outbox, opened on first use (under `<state>/logs/outbox/`). */
  private logOutbox: Promise<LogOutbox> | null = null;
  /** The update's part of maintenance mode (the operator's is in the desired document). */
  private updateMaintenance: UpdateMaintenance | null = null;
  /** The last maintenance published by this run (null: none yet). */
  private lastMaintenance: MaintenanceView | null = null;

  constructor(private readonly options: ReporterOptions) {}

  attach(link: AgentLink): void {
    this.link = link;
  }

  private topic(kind: TopicKind): string {
    return topicFor(kind, this.options.ids, this.options.topicRoot);
  }

  private iso(): string {
    return new Date(this.options.now()).toISOString();
  }

  /**
   * Queues the whole current status and saves the whole state (the journal
   * with it: callers rely on this one durable write to persist a step before
   * acting on it), then sends what the outbox holds.
   */
  async reportStatus(): Promise<void> {
    const { store } = this.options;
    const doc = this.masked(
      buildStatusDocument(store.state, this.options.ids, store.takeSeq(), this.iso()),
    );
    const payload = encodePayload("status", doc);
    if (payload.ok)
      this.enqueue({ topic: this.topic("status"), payload: payload.value, retain: true });
    else this.options.log(`status report refused by its own schema (a bug): ${payload.error}`);
    await store.save();
    if (payload.ok) this.flush();
  }

  /**
   * The state could not be saved: sends (now, not through the outbox, which
   * lives in the same file) the status with `problem` as every service's
   * reason. Best effort: when the link is down the next report after the
   * disk recovers tells the truth anyway.
   */
  reportSaveProblem(problem: string): void {
    const { store } = this.options;
    const doc = this.masked(
      withSaveProblem(
        buildStatusDocument(store.state, this.options.ids, store.takeSeq(), this.iso()),
        store.state.desired,
        problem,
        this.iso(),
      ),
    );
    const payload = encodePayload("status", doc);
    if (payload.ok) this.sendNow(this.topic("status"), payload.value, true);
    else this.options.log(`status report refused by its own schema (a bug): ${payload.error}`);
  }

  /**
   * Sets the update's part of maintenance mode (inactive: none) and publishes
   * the union with the operator's switch, always (at start-up too: PROTOCOL.md
   * promises an `active: false` then). Resolves with the seq of the document.
   */
  async setMaintenance(
    active: boolean,
    functions: string[],
    reason: string | null,
    scope: "workstation" | "store" = "workstation",
  ): Promise<number> {
    this.updateMaintenance = active ? { functions, reason, scope } : null;
    return this.publishMaintenance();
  }

  /** Whether an update's maintenance mode is on (off again after a restart). */
  get updateMaintenanceOn(): boolean {
    return this.updateMaintenance !== null;
  }

  /** The operator's switch may have changed (a new desired document): publish the union if it did. */
  async operatorMaintenanceChanged(): Promise<void> {
    const view = maintenanceUnion(
      this.options.store.state.desired?.maintenance,
      this.updateMaintenance,
    );
    if (this.lastMaintenance !== null && sameMaintenance(view, this.lastMaintenance)) return;
    await this.publishMaintenance();
  }

  private async publishMaintenance(): Promise<number> {
    const view = maintenanceUnion(
      this.options.store.state.desired?.maintenance,
      this.updateMaintenance,
    );
    const leavingStore = this.lastMaintenance?.scope === "store" && view.scope !== "store";
    // The store's other tills obey only scope-store documents: they must see
    // the store-wide maintenance end. Inactive, the document itself says so;
    // still active for this till (the operator's switch), a store-wide "off"
    // goes first and this till's own document after it (higher seq).
    if (leavingStore && view.active)
      this.enqueueMaintenance({ ...MAINTENANCE_OFF, scope: "store" });
    const seq = this.enqueueMaintenance(
      leavingStore && !view.active ? { ...view, scope: "store" } : view,
    );
    this.lastMaintenance = view;
    await this.options.store.save();
    this.flush();
    return seq;
  }

  private enqueueMaintenance(view: MaintenanceView): number {
    const seq = this.options.store.takeSeq();
    const payload = encodePayload("maintenance", {
      schema: 1,
      seq,
      ts: this.iso(),
      active: view.active,
      functions: view.functions,
      reason: view.reason,
      ...(view.scope === "store" ? { scope: "store" as const } : {}),
    });
    if (!payload.ok) this.options.log(`maintenance document refused: ${payload.error}`);
    else this.enqueue({ topic: this.topic("maintenance"), payload: payload.value, retain: true });
    return seq;
  }

  /**
   * A message for the people at the till; sent now or not at all.
   * `request: "end-session"` asks the POS to end its users' sessions.
   */
  notice(
    text: string,
    fn: string | null,
    at: string | null,
    request: "end-session" | null = null,
  ): void {
    const payload = encodePayload("notice", {
      schema: 1,
      seq: this.options.store.takeSeq(),
      ts: this.iso(),
      level: "warning",
      text,
      function: fn,
      at,
      ...(request === null ? {} : { request }),
    });
    if (payload.ok) this.sendNow(this.topic("notice"), payload.value, false);
    else this.options.log(`notice refused: ${payload.error}`);
  }

  /**
   * One install-log line: kept in the durable log outbox (sent in order, each
   * line leaving only once acknowledged), appended to
   * `<state>/logs/<function>.log`, and sent. Its seq and time are taken now,
   * so lines keep the order of the calls even when not awaited one by one.
   */
  async installLog(line: Omit<InstallLogLine, "schema" | "seq" | "ts">): Promise<void> {
    const ts = this.iso();
    // Recipe secrets never leave masked lines: not in the outbox, the local file or the wire.
    const masked = this.options.mask?.(line.line) ?? line.line;
    const text =
      masked.length > MAX_LOG_LINE_LENGTH ? masked.slice(0, MAX_LOG_LINE_LENGTH) : masked;
    const payload = encodePayload("log", {
      ...line,
      line: text,
      schema: 1,
      seq: this.options.store.takeSeq(),
      ts,
    });
    const droppedLine = (count: number) => {
      const note = encodePayload("log", {
        ...line,
        level: "warn",
        source: "agent",
        stream: null,
        line: `${count} install-log line(s) dropped: the outbox was full while the coordinator was unreachable`,
        schema: 1,
        seq: this.options.store.takeSeq(),
        ts: this.iso(),
      });
      return note.ok ? note.value : "{}";
    };
    const kept = payload.ok
      ? this.logs()
          .then((outbox) => outbox.append(payload.value, droppedLine))
          .then(
            () => true,
            (error: Error) => {
              this.options.log(`install log line not kept for sending: ${error.message}`);
              return false;
            },
          )
      : Promise.resolve(false);
    await Promise.all([kept, this.appendLocal(line, ts, text)]);
    // A full disk must not lose the line at head office while the link is up.
    if (payload.ok && !(await kept)) this.sendNow(this.topic("log"), payload.value, false);
    else if (payload.ok) this.flush();
  }

  private logs(): Promise<LogOutbox> {
    if (this.logOutbox === null) {
      const opened = LogOutbox.open(join(this.options.stateDir, "logs", "outbox"), {
        log: this.options.log,
      });
      // A failed open (disk) is tried again with the next line.
      opened.catch(() => {
        if (this.logOutbox === opened) this.logOutbox = null;
      });
      this.logOutbox = opened;
    }
    return this.logOutbox;
  }

  private async appendLocal(
    line: Omit<InstallLogLine, "schema" | "seq" | "ts">,
    ts: string,
    text: string,
  ): Promise<void> {
    const dir = join(this.options.stateDir, "logs");
    try {
      await mkdir(dir, { recursive: true });
      await appendFile(
        join(dir, `${line.function}.log`),
        `${ts} [${line.level}] [${line.source}${line.stream ? `:${line.stream}` : ""}] ${text}\n`,
      );
    } catch (error) {
      // A full disk must not fail an update over a log line.
      this.options.log(`install log not written: ${(error as Error).message}`);
    }
  }

  /** A status with recipe secrets masked in its reasons (a health check's output may hold one). */
  private masked(doc: StatusDocument): StatusDocument {
    const mask = this.options.mask;
    if (mask === undefined) return doc;
    const services: StatusDocument["services"] = {};
    for (const [name, service] of Object.entries(doc.services))
      services[name] =
        service.reason === null ? service : { ...service, reason: mask(service.reason) };
    return { ...doc, services };
  }

  /** The presence document to publish now (online) or arm as the last will (offline). */
  presence(state: "online" | "offline"): { topic: string; payload: string } {
    const payload = encodePayload("presence", {
      schema: 1,
      seq: this.options.store.takeSeq(),
      ts: this.iso(),
      state,
      agentVersion: this.options.agentVersion,
      // In the will too: the retained presence of an offline till still says
      // what it understands, so the coordinator can send it a window.
      capabilities: [...AGENT_CAPABILITIES],
    });
    if (!payload.ok) throw new Error(`presence document refused: ${payload.error}`);
    return { topic: this.topic("presence"), payload: payload.value };
  }

  private enqueue(entry: { topic: string; payload: string; retain: boolean }): void {
    const outbox = this.options.store.state.outbox;
    outbox.push(entry);
    if (outbox.length > OUTBOX_LIMIT) {
      // A newer status document supersedes an older one, so those go first.
      const statusTopic = this.topic("status");
      const index = outbox.findIndex((queued) => queued.topic === statusTopic);
      outbox.splice(Math.max(index, 0), 1);
      this.options.log(`outbox full (${OUTBOX_LIMIT}): dropped the oldest queued report`);
    }
  }

  private sendNow(topic: string, payload: string, retain: boolean): void {
    const link = this.link;
    if (link === null || !link.connected) return;
    link.publish(topic, payload, retain).catch(() => undefined);
  }

  /** Sends queued reports one by one, oldest first; each leaves the outbox only once acknowledged. */
  flush(): Promise<void> {
    if (this.flushing !== null) {
      // A report queued while a drain is finishing must not wait for the next one.
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
      if (this.flushAgain) {
        this.flushAgain = false;
        void this.flush();
      }
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    const { store } = this.options;
    for (;;) {
      const link = this.link;
      const entry = store.state.outbox[0];
      if (link === null || !link.connected) return;
      if (entry === undefined) return this.drainLogs(link);
      try {
        await link.publish(entry.topic, entry.payload, entry.retain);
      } catch {
        return; // disconnected: the next connect flushes again
      }
      if (store.state.outbox[0] === entry) store.state.outbox.shift();
      try {
        await store.save();
      } catch {
        return; // disk full: the entry may be sent twice, which seq makes harmless
      }
    }
  }

  /**
   * After the status outbox: the install-log lines, oldest first; a status
   * report queued meanwhile goes first (the drain yields, flush runs again).
   */
  private async drainLogs(link: AgentLink): Promise<void> {
    const outbox = await this.logs().catch(() => null);
    if (outbox === null) return;
    const topic = this.topic("log");
    await outbox.drain(
      (payload) => link.publish(topic, payload, false),
      () => this.options.store.state.outbox.length > 0 || !link.connected,
    );
  }

  /** Resolves once the outbox is empty or the link is down. */
  async settle(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }
}
