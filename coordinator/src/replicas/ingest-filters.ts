import { err, fleetFilter, ok, type Result } from "@tillroll/protocol";

/** `--replica-group` when none is given: every replica of a fleet shares one group. */
export const DEFAULT_REPLICA_GROUP = "tillroll";

/**
 * How a coordinator takes in the fleet's reports.
 * - `embedded`: its own broker hands log lines over before their PUBACK (beforeAck),
 *   so only status and presence are subscribed.
 * - `external`: one coordinator on an external broker subscribes to status,
 *   presence and log as they are.
 * - `replica`: several coordinators on one external broker and one PostgreSQL
 *   (`--database`): each filter is a shared subscription `$share/<group>/<filter>`,
 *   so the broker hands each report to exactly one replica of the group.
 */
export type IngestMode =
  | { kind: "embedded" }
  | { kind: "external" }
  | { kind: "replica"; group: string };

/** The filters the coordinator subscribes to (QoS 1) for its mode. */
export function ingestFilters(mode: IngestMode, topicRoot: string): string[] {
  const plain = [
    fleetFilter("status", topicRoot),
    fleetFilter("presence", topicRoot),
    ...(mode.kind === "embedded" ? [] : [fleetFilter("log", topicRoot)]),
  ];
  return mode.kind === "replica" ? plain.map((filter) => `$share/${mode.group}/${filter}`) : plain;
}

/**
 * The mode a coordinator's options ask for. Shared subscriptions only make sense
 * where replicas can share state (PostgreSQL) and a broker (external): with the
 * JSON store or the embedded broker there is one coordinator, so `--replica-group`
 * is refused there rather than silently ignored.
 */
export function chooseIngestMode(options: {
  externalBroker: boolean;
  database: boolean;
  replicaGroup?: string | undefined;
}): Result<IngestMode> {
  const { externalBroker, database, replicaGroup } = options;
  if (replicaGroup !== undefined) {
    const problem = replicaGroupProblem(replicaGroup);
    if (problem !== null) return err(problem);
    if (!externalBroker || !database)
      return err(
        "--replica-group needs --broker (an external broker) and --database (PostgreSQL): replicas share both",
      );
  }
  if (!externalBroker) return ok({ kind: "embedded" });
  if (!database) return ok({ kind: "external" });
  return ok({ kind: "replica", group: replicaGroup ?? DEFAULT_REPLICA_GROUP });
}

/**
 * MQTT 5 (4.8.2): a share name is at least one character and holds no "/", "+"
 * or "#". Kept to the letters the fleet's ids use so every broker's ACL syntax
 * takes it as it is.
 */
export function replicaGroupProblem(group: string): string | null {
  if (/^[A-Za-z0-9_-]{1,64}$/.test(group)) return null;
  return `--replica-group ${JSON.stringify(group)} must be 1-64 letters, digits, "-" or "_" (a shared subscription's group name holds no "/", "+" or "#")`;
}

/**
 * The filters a SUBACK refused (MQTT 3.1.1 return code 0x80; MQTT 5 reason codes
 * from 0x80 up). A broker whose ACL refuses the coordinator's filters would
 * otherwise leave it running deaf: start fails instead, naming them.
 */
export function refusedFilters(granted: readonly { topic: string; qos: number }[]): string[] {
  return granted.filter((grant) => grant.qos >= 0x80).map((grant) => grant.topic);
}
