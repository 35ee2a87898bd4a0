import { decodePayload, parseTopic } from "@tillroll/protocol";
import type { FleetStore } from "../fleet/fleet-store.js";
import type { ServiceRow } from "../fleet/service-row.js";
import { wsKey } from "../state/coordinator-state.js";
import type { StateStore } from "../state/state-store.js";
import { rowsFromStatus } from "./apply-status.js";
import { Presence } from "./presence.js";

/**
 * Ingests what agents publish: status documents (validated, stale seqs
 * dropped, rows updated) and presence (the `online` column; `offline` is the
 * agent's last will). Nothing here can throw on bad input: a bad message is
 * logged and changes nothing.
 */
export class StatusCollector {
  readonly presence = new Presence();
  /** Status documents applied (not stale, not refused): for /metrics. */
  reportsApplied = 0;

  constructor(
    private readonly topicRoot: string,
    private readonly state: StateStore,
    private readonly fleet: FleetStore,
    private readonly now: () => number,
    private readonly log: (message: string) => void,
  ) {}

  onMessage(topic: string, payload: Buffer): void {
    const address = parseTopic(topic, this.topicRoot);
    if (!address.ok) return;
    const { kind, store, workstation } = address.value;
    const key = wsKey({ store, workstation });
    const enrolled = this.state.state.workstations[key];
    if (enrolled === undefined) {
      if (kind === "status") this.log(`status from ${key} ignored: workstation not enrolled`);
      return;
    }
    if (kind === "status") this.onStatus(key, store, workstation, enrolled.group, payload);
    else if (kind === "presence") this.onPresence(key, payload);
  }

  private onStatus(
    key: string,
    store: string,
    workstation: string,
    group: string | null,
    payload: Buffer,
  ): void {
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
    const last = this.state.state.statusSeq[key];
    if (last !== undefined && doc.seq <= last) return; // stale or duplicate: state, not events
    this.state.state.statusSeq[key] = doc.seq;
    this.reportsApplied += 1;
    const existing = new Map<string, ServiceRow>(
      this.fleet.table.rowsOfWorkstation(store, workstation).map((row) => [row.function, row]),
    );
    this.fleet.upsert(
      rowsFromStatus({
        doc,
        group,
        online: this.presence.isOnline(key),
        desired: this.state.state.desired[key] ?? {},
        existing,
        now: new Date(this.now()).toISOString(),
      }),
    );
  }

  private onPresence(key: string, payload: Buffer): void {
    const decoded = decodePayload("presence", payload);
    if (!decoded.ok) {
      this.refuse(key, decoded.error);
      return;
    }
    this.presence.apply(key, decoded.value.state === "online", decoded.value.seq);
  }

  private refuse(key: string, why: string): void {
    this.log(`message from ${key} ignored: ${why}`);
  }
}
