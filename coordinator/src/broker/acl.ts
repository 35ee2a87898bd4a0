import {
  DEFAULT_TOPIC_ROOT,
  err,
  fleetFilter,
  isValidId,
  ok,
  type Party,
  parseTopic,
  type Result,
  TOPIC_KINDS,
  TOPIC_SPECS,
  type TopicKind,
  topicFor,
} from "@tillroll/protocol";

/**
 * Who may publish and subscribe to what on the coordinator's broker. Pure:
 * the broker hooks (embedded-broker.ts) call these for every PUBLISH,
 * SUBSCRIBE, forwarded message and last will.
 *
 * The rules come from the protocol's topic table (TOPIC_SPECS): a workstation
 * party publishes exactly the kinds it is the publisher of and reads exactly
 * the kinds it is a subscriber of, on its own workstation's topics only,
 * named exactly (no wildcards). The coordinator may use every protocol topic
 * and `+` filters over them (the fleet filters). Nobody may touch `$SYS`,
 * anything outside the topic root, anything shaped unlike a protocol topic, or
 * use `#`, which always reaches other workstations and deeper levels.
 */

export type Principal =
  | { kind: "agent"; store: string; workstation: string }
  | { kind: "pos"; store: string; workstation: string }
  | { kind: "coordinator" };

export type WorkstationPrincipal = Extract<Principal, { kind: "agent" | "pos" }>;

export type AclDecision = { allowed: true } | { allowed: false; reason: string };

type WorkstationParty = Exclude<Party, "coordinator">;

function kindsWhere(test: (party: Party, kind: TopicKind) => boolean) {
  return (party: WorkstationParty): readonly TopicKind[] =>
    TOPIC_KINDS.filter((kind) => test(party, kind));
}

const publishedBy = kindsWhere((party, kind) => TOPIC_SPECS[kind].publisher === party);
const readBy = kindsWhere((party, kind) => TOPIC_SPECS[kind].subscribers.includes(party));

/** Kinds each workstation party may publish: agent status, presence, maintenance, notice, log; POS session. */
export const PUBLISH_KINDS: Readonly<Record<WorkstationParty, readonly TopicKind[]>> = {
  agent: publishedBy("agent"),
  pos: publishedBy("pos"),
};

/** Kinds each workstation party may subscribe to: agent desired, session; POS presence, maintenance, notice. */
export const SUBSCRIBE_KINDS: Readonly<Record<WorkstationParty, readonly TopicKind[]>> = {
  agent: readBy("agent"),
  pos: readBy("pos"),
};

/** `agent 1001/01`, `pos 1001/01`, `coordinator`: how reasons and logs name a principal. */
export function describePrincipal(principal: Principal): string {
  return principal.kind === "coordinator"
    ? "coordinator"
    : `${principal.kind} ${principal.store}/${principal.workstation}`;
}

/** Checks a principal handed to the broker (by the fleet store): known kind, valid ids. */
export function validatePrincipal(principal: Principal): Result<Principal> {
  switch (principal.kind) {
    case "coordinator":
      return ok({ kind: "coordinator" });
    case "agent":
    case "pos":
      if (!isValidId(principal.store) || !isValidId(principal.workstation)) {
        return err(
          `principal ${JSON.stringify(principal)} has an invalid store or workstation id (letters, digits, "-", "_"; 1-64 characters)`,
        );
      }
      return ok({
        kind: principal.kind,
        store: principal.store,
        workstation: principal.workstation,
      });
    default:
      return err(`principal ${JSON.stringify(principal)} has an unknown kind`);
  }
}

/** May `principal` publish to the topic name `topic`? */
export function mayPublish(
  principal: Principal,
  topic: string,
  root: string = DEFAULT_TOPIC_ROOT,
): AclDecision {
  return decide(principal, "publish", topic, root);
}

/**
 * May `principal` subscribe to the filter `filter`? Also answers whether a
 * message on the topic name `filter` may be delivered to it (authorizeForward).
 */
export function maySubscribe(
  principal: Principal,
  filter: string,
  root: string = DEFAULT_TOPIC_ROOT,
): AclDecision {
  return decide(principal, "subscribe", filter, root);
}

type Action = "publish" | "subscribe";

const ALLOWED: AclDecision = { allowed: true };

function decide(principal: Principal, action: Action, topic: string, root: string): AclDecision {
  const why = refusal(principal, action, topic, root);
  if (why === null) return ALLOWED;
  const verb = action === "publish" ? "publish to" : "subscribe to";
  return {
    allowed: false,
    reason: `${describePrincipal(principal)} may not ${verb} ${JSON.stringify(topic)}: ${why}`,
  };
}

/** Why the action is refused, or null when it is allowed. */
function refusal(principal: Principal, action: Action, topic: string, root: string): string | null {
  if (topic.length === 0) return "the topic is empty";
  if (topic.includes("\u0000")) return "the topic contains NUL (MQTT 3.1.1 §1.5.3)";
  if (topic.startsWith("$")) {
    return "topics starting with $ are reserved for the broker's own use such as $SYS (MQTT 3.1.1 §4.7.2)";
  }
  const prefix = `${root}/`;
  if (!topic.startsWith(prefix)) return `it is outside the topic root ${JSON.stringify(root)}`;
  if (action === "publish" && /[+#]/.test(topic)) {
    return "a topic name must not contain wildcards (MQTT 3.1.1 §3.3.2.1)";
  }
  if (topic.includes("#")) {
    return "the multi-level wildcard # reaches every workstation and topics deeper than the protocol's";
  }
  const levels = topic.slice(prefix.length).split("/");
  if (levels.length !== 4) {
    return `it has ${levels.length} level(s) below the root; protocol topics have exactly 4 (${root}/ws/{store}/{workstation}/{kind})`;
  }
  if (principal.kind === "coordinator") {
    return action === "subscribe" && topic.includes("+")
      ? coordinatorFilterRefusal(levels, root)
      : parseRefusal(topic, root);
  }
  return workstationRefusal(principal, action, topic, root);
}

/**
 * The coordinator reads across the fleet with `+` in place of any level, as in
 * fleetFilter(kind) = `{root}/ws/+/+/{kind}`; every other level must be what a
 * protocol topic has there.
 */
function coordinatorFilterRefusal(levels: string[], root: string): string | null {
  const [ws = "", store = "", workstation = "", kind = ""] = levels;
  if (TOPIC_KINDS.some((k) => `${root}/${levels.join("/")}` === fleetFilter(k, root))) return null;
  for (const level of levels) {
    if (level.includes("+") && level !== "+") {
      return "a + wildcard must fill a whole topic level (MQTT 3.1.1 §4.7.1.3)";
    }
  }
  if (ws !== "+" && ws !== "ws")
    return `the level after the root must be "ws", not ${JSON.stringify(ws)}`;
  if (store !== "+" && !isValidId(store)) return `${JSON.stringify(store)} is not a valid store id`;
  if (workstation !== "+" && !isValidId(workstation)) {
    return `${JSON.stringify(workstation)} is not a valid workstation id`;
  }
  if (kind !== "+" && !(TOPIC_KINDS as readonly string[]).includes(kind)) {
    return `unknown kind ${JSON.stringify(kind)}`;
  }
  return null;
}

function parseRefusal(topic: string, root: string): string | null {
  const parsed = parseTopic(topic, root);
  return parsed.ok ? null : parsed.error;
}

/**
 * Issue 13: a store server's update puts the whole store in maintenance
 * (scope "store" on its own maintenance topic), so an agent and a POS may
 * read the maintenance topic of every workstation of their own store,
 * named or with `+` for the workstation: `{root}/ws/{store}/+/maintenance`.
 */
export function storeMaintenanceFilter(store: string, root: string = DEFAULT_TOPIC_ROOT): string {
  return `${root}/ws/${store}/+/maintenance`;
}

function isStoreMaintenance(topic: string, store: string, root: string): boolean {
  const [ws, topicStore, workstation, kind] = topic.slice(root.length + 1).split("/");
  return (
    ws === "ws" &&
    topicStore === store &&
    kind === "maintenance" &&
    workstation !== undefined &&
    (workstation === "+" || isValidId(workstation))
  );
}

function workstationRefusal(
  principal: WorkstationPrincipal,
  action: Action,
  topic: string,
  root: string,
): string | null {
  const kinds =
    action === "publish" ? PUBLISH_KINDS[principal.kind] : SUBSCRIBE_KINDS[principal.kind];
  const own = { store: principal.store, workstation: principal.workstation };
  if (action === "subscribe" && isStoreMaintenance(topic, principal.store, root)) return null;
  if (topic.includes("+")) {
    const exact = kinds.map((kind) => topicFor(kind, own, root)).join(", ");
    return `wildcards reach other workstations' topics and are for the coordinator only; exact topics allowed: ${exact}`;
  }
  const parsed = parseTopic(topic, root);
  if (!parsed.ok) return parsed.error;
  const { store, workstation, kind } = parsed.value;
  if (store !== own.store || workstation !== own.workstation) {
    return `the topic belongs to workstation ${store}/${workstation}, not ${own.store}/${own.workstation}`;
  }
  if (!kinds.includes(kind)) {
    const verb = action === "publish" ? "publishes" : "reads";
    return `${kind} is not for ${principal.kind === "agent" ? "an agent" : "a POS"}, which ${verb} only ${kinds.join(", ")}`;
  }
  return null;
}
