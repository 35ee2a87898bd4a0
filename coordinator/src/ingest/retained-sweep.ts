import { fleetFilter } from "@tillroll/protocol";
import type { MqttClient } from "mqtt";
import { refusedFilters } from "../replicas/ingest-filters.js";
import type { LeaderDuty } from "../replicas/leader-duties.js";

/**
 * Issue 14 (replicas): the fleet's latest reports, read again from the
 * broker's retained messages when a replica takes the lead.
 *
 * Why: replicas take reports through a shared subscription, so each status
 * reaches ONE replica. A replica killed (kill -9, a crash) loses the reports
 * the broker handed it that it had not written to PostgreSQL yet (rows are
 * batched for ~100 ms), and those the broker sent it before noticing it was
 * gone; the till does not send them again (the broker acknowledged them). The
 * release runner of the next leader would wait on those rows until the stage
 * times out. Agents publish their status retained, and a shared
 * subscription is never sent retained messages (MQTT 5, 4.8.2), so the new
 * leader subscribes once to the plain status filter: the broker answers with
 * every till's last status, which goes through the coordinator's usual
 * message handler (its seq check drops what it already has), then it
 * unsubscribes. Live reports arriving twice meanwhile are dropped the same way.
 */

/** Status only: every replica subscribes to presence plainly (daemon/status-ingest.ts). */
export const RETAINED_KINDS = ["status"] as const;

export interface SweepTiming {
  /** The sweep ends once no retained message arrived for this long (after the SUBACK). */
  quietMs: number;
  /** ...and at the latest this long after the SUBACK (a fleet's burst is bounded). */
  maxMs: number;
}

export const DEFAULT_SWEEP_TIMING: SweepTiming = { quietMs: 500, maxMs: 15_000 };

/**
 * Whether the sweep is over at `now` (ms): quiet since the last retained
 * message (or since the SUBACK when none came), or out of time. Pure.
 */
export function sweepOver(
  subackAt: number,
  lastRetainedAt: number | null,
  now: number,
  timing: SweepTiming,
): boolean {
  if (now - subackAt >= timing.maxMs) return true;
  return now - (lastRetainedAt ?? subackAt) >= timing.quietMs;
}

/**
 * Subscribes `client` to the plain status filter until the
 * retained burst is over, then unsubscribes; answers how many retained
 * messages came and the filters the broker refused (its ACL). The client's
 * own message handler applies them.
 */
export async function sweepRetainedReports(
  client: MqttClient,
  topicRoot: string,
  timing: SweepTiming = DEFAULT_SWEEP_TIMING,
  now: () => number = Date.now,
): Promise<{ retained: number; refused: string[] }> {
  const filters = RETAINED_KINDS.map((kind) => fleetFilter(kind, topicRoot));
  let retained = 0;
  let lastRetainedAt: number | null = null;
  const onMessage = (_topic: string, _payload: Buffer, packet: { retain?: boolean }) => {
    if (packet.retain !== true) return;
    retained += 1;
    lastRetainedAt = now();
  };
  client.on("message", onMessage);
  try {
    const refused = refusedFilters(await client.subscribeAsync(filters, { qos: 1 }));
    const subackAt = now();
    while (refused.length < filters.length && !sweepOver(subackAt, lastRetainedAt, now(), timing))
      await new Promise((resolve) => setTimeout(resolve, 50));
    return { retained, refused };
  } finally {
    client.off("message", onMessage);
    await client.unsubscribeAsync(filters).catch(() => undefined);
  }
}

/**
 * The sweep as the first of the leader's duties (before the release runner
 * plans, so it plans on the tills' last reports); it holds nothing.
 */
export function retainedSweepDuty(
  client: MqttClient,
  topicRoot: string,
  log: (message: string) => void,
): LeaderDuty {
  return {
    name: "retained reports sweep",
    start: async () => {
      const started = Date.now();
      const { retained: count, refused } = await sweepRetainedReports(client, topicRoot);
      if (refused.length > 0)
        log(
          `retained reports sweep: the broker refused ${refused.join(", ")}: give the coordinator's account read access to the plain filter (README "Replicas"), or reports a killed replica took are lost until the tills report again`,
        );
      log(
        `retained reports sweep: ${count} retained status document(s) read again in ${Date.now() - started} ms`,
      );
    },
    stop: async () => undefined,
  };
}
