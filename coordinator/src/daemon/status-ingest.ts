import { fleetFilter } from "@tillroll/protocol";
import type { MqttClient } from "mqtt";
import type { ServiceRow } from "../fleet/service-row.js";
import { rowKey } from "../fleet/service-row.js";
import type { InstallLogIngest } from "../ingest/install-log.js";
import { StatusCollector } from "../ingest/status-collector.js";
import type { RowFeed } from "../live/row-feed.js";
import { type IngestMode, ingestFilters, refusedFilters } from "../replicas/ingest-filters.js";
import { StartupError } from "../setup/startup-error.js";
import { wsKey } from "../state/coordinator-state.js";
import type { CoordinatorStore } from "../store/coordinator-store.js";
import type { FleetRows } from "../store/fleet-rows.js";

export interface StatusIngestOptions {
  readonly client: MqttClient;
  /**
   * Embedded broker: log lines come through its beforeAck hook, not a subscription;
   * replicas (issue 14): shared subscriptions, each report reaches one replica.
   */
  readonly ingestMode: IngestMode;
  readonly topicRoot: string;
  readonly store: CoordinatorStore;
  /** The store's fleet rows, wrapped so every write tells the live feed. */
  readonly fleetRows: FleetRows;
  readonly feed: RowFeed;
  readonly installLog: InstallLogIngest;
  /** Status reports' rows, for the release runner (made later, once its publisher exists). */
  readonly onRows: (rows: readonly ServiceRow[]) => void;
  readonly now: () => number;
  readonly log: (message: string) => void;
}

/**
 * The status collector on the coordinator's client: status, presence and
 * (with an external broker) log topics of the whole fleet. What each agent
 * understood when last heard is restored first (issue 11), until it says
 * again.
 */
export async function startStatusIngest(options: StatusIngestOptions): Promise<StatusCollector> {
  const { store, feed, topicRoot, installLog } = options;
  const collector = new StatusCollector(
    topicRoot,
    { workstations: store.workstations, desired: store.desired, fleet: options.fleetRows },
    options.now,
    options.log,
    {
      onRows: options.onRows,
      onPresence: (key) => {
        const [wsStore = "", workstation = ""] = key.split("/");
        feed.emit(
          store.fleet.table.rowsOfWorkstation(wsStore, workstation).map((row) => rowKey(row)),
        );
      },
      // An external broker: lines come through the subscription (kept after the PUBACK).
      onLog: (wsStore, workstation, payload) => installLog.onMessage(wsStore, workstation, payload),
    },
  );
  for (const ws of await store.workstations.list())
    if (ws.capabilities !== undefined)
      collector.presence.restoreCapabilities(wsKey(ws), ws.capabilities);
  options.client.on("message", (topic, payload) => collector.onMessage(topic, payload));
  const granted = await options.client.subscribeAsync(
    [
      ...ingestFilters(options.ingestMode, topicRoot),
      // Issue 14: presence is memory (the `online` column, per replica), so every replica
      // hears every till's presence, retained ones at this subscription included; the
      // shared copy a replica also gets is a duplicate its seq check drops.
      ...(options.ingestMode.kind === "replica" ? [fleetFilter("presence", topicRoot)] : []),
    ],
    { qos: 1 },
  );
  const refused = refusedFilters(granted);
  if (refused.length > 0)
    throw new StartupError(
      `the broker refused the coordinator's subscription to ${refused.join(", ")}: give its account read access (README "Replicas")`,
    );
  return collector;
}
