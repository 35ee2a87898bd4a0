import { ID_PATTERN } from "./ids.js";
import { err, ok, type Result, unwrap } from "./result.js";

/**
 * Every topic of the protocol lives under `{root}/ws/{store}/{ws}/{kind}`.
 * One level per id keeps broker ACLs simple (a workstation owns exactly the
 * subtree `{root}/ws/{store}/{ws}/`) and lets the coordinator subscribe to
 * one kind across the fleet with `+` wildcards (MQTT 3.1.1 §4.7.1.3).
 */
export const DEFAULT_TOPIC_ROOT = "tillroll/v1";

export const TOPIC_KINDS = [
  "desired",
  "status",
  "presence",
  "session",
  "maintenance",
  "notice",
  "log",
  "pos",
] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

export type Party = "coordinator" | "agent" | "pos";

export interface TopicSpec {
  publisher: Party;
  subscribers: readonly Party[];
  retained: boolean;
  qos: 1;
  /** Desired documents travel in a signed envelope. */
  signed: boolean;
  description: string;
}

/** Who publishes what; the broker's ACL and PROTOCOL.md are derived from this table. */
export const TOPIC_SPECS: Readonly<Record<TopicKind, TopicSpec>> = {
  desired: {
    publisher: "coordinator",
    subscribers: ["agent"],
    retained: true,
    qos: 1,
    signed: true,
    description: "every service's preferred version, valid-from, request id and artifact",
  },
  status: {
    publisher: "agent",
    subscribers: ["coordinator"],
    retained: true,
    qos: 1,
    signed: false,
    description: "every service's status, active / preferred version, phase, progress, reason",
  },
  presence: {
    publisher: "agent",
    subscribers: ["coordinator", "pos"],
    retained: true,
    qos: 1,
    signed: false,
    description: "online / offline; offline is the agent's last will",
  },
  session: {
    publisher: "pos",
    subscribers: ["agent"],
    retained: true,
    qos: 1,
    signed: false,
    description: "logged-in users and whether a transaction is in progress",
  },
  maintenance: {
    publisher: "agent",
    subscribers: ["pos"],
    retained: true,
    qos: 1,
    signed: false,
    description: "maintenance mode on / off: the POS admits no new logins while on",
  },
  notice: {
    publisher: "agent",
    subscribers: ["pos"],
    retained: false,
    qos: 1,
    signed: false,
    description: "messages to show the users (update in 2 minutes...)",
  },
  log: {
    publisher: "agent",
    subscribers: ["coordinator"],
    retained: false,
    qos: 1,
    signed: false,
    description: "install log lines (agent steps and hook output)",
  },
  pos: {
    publisher: "pos",
    subscribers: ["agent", "coordinator"],
    retained: true,
    qos: 1,
    signed: false,
    description: "the POS's presence: online / offline; offline is its last will",
  },
};

export interface WorkstationRef {
  store: string;
  workstation: string;
}

export interface TopicAddress extends WorkstationRef {
  kind: TopicKind;
}

/** Levels a protocol topic has below the root: ws, store, workstation, kind. */
export const TOPIC_DEPTH_BELOW_ROOT = 4;

/**
 * A root is one or more topic levels without wildcards, empty levels or a
 * leading `$` (reserved for broker topics such as `$SYS`, §4.7.2).
 */
export function validateTopicRoot(root: string): Result<string> {
  if (root.length === 0 || root.length > 128) return err("topic root must be 1-128 characters");
  if (root.startsWith("$"))
    return err(`topic root ${JSON.stringify(root)} must not start with "$"`);
  const levels = root.split("/");
  for (const level of levels) {
    if (level.length === 0) return err(`topic root ${JSON.stringify(root)} has an empty level`);
    if (/[+#]/.test(level) || level.includes("\u0000")) {
      return err(`topic root ${JSON.stringify(root)} must not contain "+", "#" or NUL`);
    }
  }
  return ok(root);
}

function checkId(value: string, what: string): Result<string> {
  if (value.length === 0) return err(`${what} id is empty`);
  if (!ID_PATTERN.test(value)) {
    return err(
      `${what} id ${JSON.stringify(value)} is invalid (letters, digits, "-", "_"; 1-64 characters)`,
    );
  }
  return ok(value);
}

/** Builds a topic, or explains why the ids cannot form one. */
export function buildTopic(
  kind: TopicKind,
  ref: WorkstationRef,
  root = DEFAULT_TOPIC_ROOT,
): Result<string> {
  const checked = [
    validateTopicRoot(root),
    checkId(ref.store, "store"),
    checkId(ref.workstation, "workstation"),
  ];
  for (const result of checked) if (!result.ok) return result;
  return ok(`${root}/ws/${ref.store}/${ref.workstation}/${kind}`);
}

/** Like buildTopic, for ids already validated: throws ProtocolError otherwise. */
export function topicFor(kind: TopicKind, ref: WorkstationRef, root = DEFAULT_TOPIC_ROOT): string {
  return unwrap(buildTopic(kind, ref, root));
}

/** Reads a topic back into its kind and ids; anything else is refused with the reason. */
export function parseTopic(topic: string, root = DEFAULT_TOPIC_ROOT): Result<TopicAddress> {
  const prefix = `${root}/ws/`;
  if (!topic.startsWith(prefix))
    return err(`topic ${JSON.stringify(topic)} is not under ${prefix}`);
  const levels = topic.slice(prefix.length).split("/");
  if (levels.length !== TOPIC_DEPTH_BELOW_ROOT - 1) {
    return err(`topic ${JSON.stringify(topic)} must be ${prefix}{store}/{workstation}/{kind}`);
  }
  const [store = "", workstation = "", kind = ""] = levels;
  const storeOk = checkId(store, "store");
  if (!storeOk.ok) return storeOk;
  const wsOk = checkId(workstation, "workstation");
  if (!wsOk.ok) return wsOk;
  if (!(TOPIC_KINDS as readonly string[]).includes(kind)) {
    return err(`topic ${JSON.stringify(topic)}: unknown kind ${JSON.stringify(kind)}`);
  }
  return ok({ store, workstation, kind: kind as TopicKind });
}

/** Subscription filter for one kind across the whole fleet (coordinator side). */
export function fleetFilter(kind: TopicKind, root = DEFAULT_TOPIC_ROOT): string {
  unwrap(validateTopicRoot(root));
  return `${root}/ws/+/+/${kind}`;
}
