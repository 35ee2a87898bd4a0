import { NOTICE_EVENTS } from "../notices/notice-model.js";
import { CONSOLE_FLAGS, FILTER_FLAGS, type OptionName } from "./options.js";

/**
 * Every `tillroll` command: its words, the positional arguments it takes
 * (exactly these), the flags it accepts, a one-line summary and examples.
 * The parser refuses anything else, and `tillroll COMMAND --help` prints it.
 */
export interface CommandSpec {
  /** The command's words: `status`, `workstation add`. */
  readonly name: string;
  /** Positional arguments after the words, by name (`STORE/WS`). */
  readonly args: readonly string[];
  readonly flags: readonly OptionName[];
  /** Flags that must be given (checked before anything is sent). */
  readonly required?: readonly OptionName[];
  readonly summary: string;
  /** More lines of help after the summary. */
  readonly details?: readonly string[];
  /** What a flag means for this command, where it differs from its general description. */
  readonly flagHelp?: Partial<Record<OptionName, string>>;
  readonly examples: readonly string[];
}

const console = (...flags: OptionName[]): OptionName[] => [...flags, ...CONSOLE_FLAGS];

const TLS_FLAGS = [
  "tls",
  "tls-cert",
  "tls-key",
  "tls-ca",
  "allow-plaintext",
  "plain-mqtt-port",
  "plain-http-port",
] as const satisfies readonly OptionName[];

/** `tillroll release VERB ID`: one operation on one release task, printing its new state. */
const releaseOperation = (verb: string, summary: string, details?: string[]): CommandSpec => ({
  name: `release ${verb}`,
  args: ["ID"],
  flags: console("json"),
  summary,
  ...(details === undefined ? {} : { details }),
  examples: [`tillroll release ${verb} 3`, `tillroll release ${verb} 3 --json`],
});

const releaseDecision = (verb: "approve" | "reject", summary: string): CommandSpec => ({
  name: `release ${verb}`,
  args: ["ID"],
  flags: console("comment", "json"),
  required: ["comment"],
  summary,
  details: [
    "Needs the approver role, and another approver than the one who created the release (four eyes).",
  ],
  examples: [
    `tillroll release ${verb} 3 --comment "${verb === "approve" ? "pilot store 1001 ran the weekend without trouble" : "not before the spring sale ends"}"`,
  ],
});

/** Release tasks (issue 10): staged rollouts with checkpoints and thresholds. */
const RELEASE_COMMANDS: readonly CommandSpec[] = [
  {
    name: "release create",
    args: [],
    flags: console("file", "allow-downgrade", "json"),
    required: ["file"],
    summary:
      "create a release task from its JSON document: Ready (release start runs it), Scheduled (schedule at), or started at once (immediately, window)",
    details: [
      'The document: {"name", "function", "version", "target" (filters), "stages": [{"name",',
      '"target" | "percent" | "count", "checkpoint": "none" | "approval" | "trigger"}], "errorThreshold",',
      '"successThreshold", "stageTimeout", "soak", "maxPerStore", "onError": "pause" | "rollback",',
      '"schedule": null | {"mode": "immediately" | "window"} | {"mode": "at", "at": ISO}, "forced",',
      '"redeploy", "allowDowngrade", "notify": {"partnerAdmins", "storeContacts"}}.',
      "The coordinator checks it and names each wrong field; nothing is created then.",
      "A version older than a target row's active one needs --allow-downgrade; the answer then warns.",
    ],
    examples: [
      "tillroll release create --file spring-release.json",
      "tillroll release create --file spring-release.json --json",
      "tillroll release create --file back-to-1.0.json --allow-downgrade",
    ],
  },
  {
    name: "release list",
    args: [],
    flags: console("json"),
    summary: "the release tasks, newest first: id, name, function, version, state, current stage",
    examples: ["tillroll release list", "tillroll release list --json"],
  },
  {
    name: "release show",
    args: ["ID"],
    flags: console("json"),
    summary:
      "one release task: its stages with progress, counts per status, Not Ready reasons, timed-out and failed rows, history",
    examples: ["tillroll release show 3", "tillroll release show 3 --json"],
  },
  releaseOperation("start", "start a Ready release task: its first stage starts or waits"),
  releaseDecision("approve", "approve the stage waiting for approval: it starts"),
  releaseDecision(
    "reject",
    "reject the stage waiting for approval: the release task ends Rejected",
  ),
  releaseOperation("trigger", "start the stage waiting for a trigger"),
  releaseOperation(
    "pause",
    "pause a running release task: no new row receives the version; rows In Progress finish",
  ),
  releaseOperation("resume", "resume a paused release task"),
  releaseOperation(
    "retry",
    "send the release task's Failed, Rolled Back and timed-out rows a new request",
  ),
  releaseOperation(
    "rollback",
    "give every row the release task changed its previous active version back as preferred",
    ["Pause a running release task first."],
  ),
  releaseOperation(
    "cancel",
    "cancel a release task: rows not yet started go back to -; rows In Progress finish",
  ),
];

/** Maintenance windows, store settings and blackouts (issue 11). */
const SCHEDULE_COMMANDS: readonly CommandSpec[] = [
  {
    name: "window set",
    args: [],
    flags: console("group", "store", "tz", "days", "start", "duration", "json"),
    required: ["tz", "days", "start", "duration"],
    summary: "set the maintenance window of a group (--group) or of one store (--store)",
    flagHelp: {
      group: "the group the window is set on (its subgroups and stores inherit it)",
      store: "the store whose own window it is",
    },
    details: [
      "Give --group G or --store S (one). A group's window applies to its subgroups and stores",
      "unless they set their own; `store set --tz` puts a store's zone in place of an inherited",
      "window's. The window opens on each day at --start local time in --tz and stays open",
      "--duration of elapsed time (past midnight too). Needs an admin (a partner admin: inside its scope).",
    ],
    examples: [
      "tillroll window set --group DE --tz Europe/Berlin --days mon-sat --start 02:00 --duration 3h",
      "tillroll window set --store 1001 --tz Europe/Lisbon --days sat-mon --start 23:30 --duration 1h30m",
    ],
  },
  {
    name: "window list",
    args: [],
    flags: console("json"),
    summary:
      "the maintenance windows (groups, stores) and store settings: zone, days, start, duration, set by/at",
    examples: ["tillroll window list", "tillroll window list --json"],
  },
  {
    name: "window remove",
    args: [],
    flags: console("group", "store", "json"),
    summary: "remove a group's or a store's own window (it inherits again)",
    flagHelp: { group: "the group whose window goes", store: "the store whose own window goes" },
    examples: ["tillroll window remove --group DE", "tillroll window remove --store 1001"],
  },
  {
    name: "store set",
    args: ["STORE"],
    flags: console("contact", "tz", "json"),
    summary: "set a store's contact e-mail and time zone (the zone its inherited window opens in)",
    details: [
      'A flag left out keeps its value; --tz "" or --contact "" unsets it. Needs an admin',
      "(a partner admin: a store whose workstations are all in its scope).",
    ],
    examples: [
      "tillroll store set 1001 --contact store1001@example.com --tz Europe/Berlin",
      'tillroll store set 1001 --tz ""',
    ],
  },
  {
    name: "blackout add",
    args: [],
    flags: console("from", "to", "reason", "group", "json"),
    required: ["from", "to", "reason"],
    summary: "add a blackout: no update starts in it; overlapping scheduled tasks are cancelled",
    flagHelp: { group: "the group it holds, with its subgroups (none: platform maintenance)" },
    details: [
      "Without --group it is platform maintenance (the platform admin only), announced atop",
      "`status` and `release list` and on GET /api/notices. With --group it holds that group and its",
      "subgroups (a partner admin: inside its scope). Lists the scheduled tasks it cancelled.",
    ],
    examples: [
      'tillroll blackout add --from 2026-12-20T00:00:00+01:00 --to 2026-12-27T00:00:00+01:00 --reason "Christmas freeze"',
      'tillroll blackout add --from 2026-12-01T06:00:00Z --to 2026-12-01T18:00:00Z --reason "stock count" --group DE/North --json',
    ],
  },
  {
    name: "blackout list",
    args: [],
    flags: console("all", "json"),
    summary: "the current and upcoming blackouts, earliest first (--all: ended ones too)",
    flagHelp: { all: "ended blackouts too" },
    examples: ["tillroll blackout list", "tillroll blackout list --all --json"],
  },
  {
    name: "blackout remove",
    args: ["ID"],
    flags: console("json"),
    summary: "remove a blackout",
    examples: ["tillroll blackout remove 2"],
  },
];

/** Webhooks (issue 11): the platform admin's receivers of signed notices. */
const WEBHOOK_COMMANDS: readonly CommandSpec[] = [
  {
    name: "webhook add",
    args: ["URL"],
    flags: console("secret", "events", "json"),
    required: ["secret"],
    summary: "add a webhook: notices are POSTed to URL as JSON, signed with the secret",
    details: [
      "Needs the platform admin. Headers: X-Tillroll-Event, X-Tillroll-Delivery (the notice's id),",
      "X-Tillroll-Signature: sha256=HMAC-SHA256(secret, body). A 2xx answer is delivered; else retried.",
      `Events: ${NOTICE_EVENTS.join(", ")}.`,
    ],
    examples: [
      "tillroll webhook add https://hooks.example.com/tillroll --secret 9f2c1e7a4b5d",
      "tillroll webhook add https://hooks.example.com/tasks --secret 9f2c1e7a4b5d --events task.planned,task.cancelled --json",
    ],
  },
  {
    name: "webhook list",
    args: [],
    flags: console("json"),
    summary: "the webhooks: id, URL, events, who added them (the secret only as `set`)",
    examples: ["tillroll webhook list", "tillroll webhook list --json"],
  },
  {
    name: "webhook remove",
    args: ["ID"],
    flags: console("json"),
    summary: "remove a webhook: nothing more is sent to it; its undelivered notices are dropped",
    examples: ["tillroll webhook remove 2"],
  },
];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "coordinator",
    args: [],
    flags: [
      "data",
      "mqtt-port",
      "http-port",
      "broker",
      "host",
      "public-host",
      ...TLS_FLAGS,
      "smtp",
      "mail-from",
    ],
    summary: "run the coordinator: embedded MQTT broker, fleet store, HTTP API and pack downloads",
    details: [
      "The first start creates the data folder, the signing key pair, the operator token and the",
      "platform admin `admin` (that token is its API token; its password is printed once).",
      "With --tls (or --tls-cert/--tls-key) --mqtt-port (default 8883) and --http-port (default 8443) speak TLS only.",
      "--smtp smtp://host:port --mail-from ADDR: e-mail notices (task planned/cancelled, blackouts); without --smtp, none.",
    ],
    examples: [
      "tillroll coordinator --data /var/lib/tillroll-coordinator",
      "tillroll coordinator --data ./data --host 0.0.0.0 --public-host coordinator.example --http-port 8080 --mqtt-port 1883",
      "tillroll coordinator --data ./data --tls --host 0.0.0.0 --public-host coordinator.example",
      "tillroll coordinator --tls-cert server.pem --tls-key server.key --tls-ca ca.pem --allow-plaintext",
      "tillroll coordinator --data ./data --smtp smtp://mail.example.com:25 --mail-from tillroll@example.com",
    ],
  },
  {
    name: "workstation add",
    args: ["STORE/WS"],
    flags: console("group", "json"),
    summary: "enrol a workstation: prints its broker logins and the agent config (once)",
    examples: [
      "tillroll workstation add 1001/01 --group DE/North",
      "tillroll workstation add 1001/01 --group DE/North --json > ws-1001-01.json",
    ],
  },
  {
    name: "workstation list",
    args: [],
    flags: console("store", "workstation", "group", "json"),
    summary: "the enrolled workstations: group, enrolled at, online, services",
    examples: [
      "tillroll workstation list --group DE",
      "tillroll workstation list --store 1001 --json",
    ],
  },
  {
    name: "workstation remove",
    args: ["STORE/WS"],
    flags: console("json"),
    summary: "remove a workstation: its logins stop working, its desired state and rows go",
    examples: ["tillroll workstation remove 1001/03"],
  },
  {
    name: "workstation rekey",
    args: ["STORE/WS"],
    flags: console("json"),
    summary: "new broker logins for a replaced till (the old ones are refused at once)",
    examples: ["tillroll workstation rekey 1001/01 --json > ws-1001-01.json"],
  },
  {
    name: "pack list",
    args: [],
    flags: console("function", "json"),
    summary: "the published packs, withdrawn ones marked",
    examples: ["tillroll pack list", "tillroll pack list --function pos-client --json"],
  },
  {
    name: "pack withdraw",
    args: ["NAME", "VERSION"],
    flags: console("json"),
    summary: "withdraw a pack: no new request may name it; rows running it are untouched",
    examples: ["tillroll pack withdraw pos-client 1.2.0"],
  },
  {
    name: "pack publish",
    args: ["FILE"],
    flags: console("json"),
    summary: "check and publish a function pack (.tgz with function-pack-descriptor.json)",
    examples: ["tillroll pack publish pos-client-1.1.0.tgz"],
  },
  {
    name: "status",
    args: [],
    flags: console(...FILTER_FLAGS, "json"),
    summary: "the status overview: one row per workstation and flow service",
    examples: [
      "tillroll status",
      "tillroll status --group DE --status failed,rolled-back",
      "tillroll status --store 1001 --store 1002 --function pos-client --json",
    ],
  },
  {
    name: "versions",
    args: [],
    flags: console(...FILTER_FLAGS, "json"),
    required: ["function"],
    summary: "the versions that may be chosen for a function's rows, newest first",
    examples: ["tillroll versions --function pos-client --store 1001"],
  },
  {
    name: "set-preferred",
    args: [],
    flags: console(...FILTER_FLAGS, "version", "valid-from", "install", "all", "dry-run", "json"),
    required: ["function", "version"],
    summary: "set the preferred version (or - for no update) of the matching rows",
    details: [
      "Needs filters that narrow it (--function alone does not), or --all for the whole fleet.",
      "--install also creates rows on matching workstations that lack the function (first install).",
    ],
    examples: [
      "tillroll set-preferred --function pos-client --version 1.0.0 --install --group DE",
      "tillroll set-preferred --function pos-client --version 1.1.0 --valid-from 2026-11-21T22:00:00Z --group DE/North",
      "tillroll set-preferred --function pos-client --version - --status prepared --store 1001",
      "tillroll set-preferred --function pos-client --version 1.1.0 --all --dry-run",
    ],
  },
  {
    name: "retry",
    args: [],
    flags: console(...FILTER_FLAGS, "all", "dry-run", "json"),
    summary: "retry the Failed, Rolled Back and Not Ready rows that match (back to Prepared)",
    details: ["Needs filters that narrow it, or --all for the whole fleet."],
    examples: ["tillroll retry --status rolled-back --group DE", "tillroll retry --all --dry-run"],
  },
  {
    name: "audit",
    args: [],
    flags: console("operator", "json"),
    summary: "every console action: when, who (name and role), what, how many rows",
    examples: ["tillroll audit", "tillroll audit --operator anna --json"],
  },
  {
    name: "operator add",
    args: ["NAME"],
    flags: console("role", "scope", "email", "json"),
    required: ["role"],
    summary: "add an operator: prints its API token and password (once)",
    details: [
      "Roles, each including the one before: viewer, operator, approver, admin.",
      "--scope limits it to a business unit group and its subgroups; an admin with a scope is a partner admin.",
    ],
    examples: [
      "tillroll operator add anna --role operator --scope DE/North --email anna@example.com",
      "tillroll operator add audit-bot --role viewer --json > audit-bot.json",
    ],
  },
  {
    name: "operator list",
    args: [],
    flags: console("json"),
    summary: "the operators you may manage: name, role, scope, email",
    examples: ["tillroll operator list", "tillroll operator list --json"],
  },
  {
    name: "operator remove",
    args: ["NAME"],
    flags: console("json"),
    summary: "remove an operator: its token, password and sessions stop working at once",
    examples: ["tillroll operator remove anna"],
  },
  {
    name: "operator reset",
    args: ["NAME"],
    flags: console("json"),
    summary: "new API token and password for an operator; the old ones stop working at once",
    examples: ["tillroll operator reset anna --json"],
  },
  {
    name: "login",
    args: [],
    flags: ["url", "name"],
    summary: "log in with your password; saves a session token for --url in your config folder",
    details: [
      "The password is read from the terminal without echo (from stdin when it is not a terminal).",
      "The token is kept in $XDG_CONFIG_HOME/tillroll/credentials.json (else ~/.config/...), mode 0600;",
      "console commands use it after --token and TILLROLL_TOKEN. It ends when unused for the idle timeout.",
    ],
    examples: ["tillroll login --url http://coordinator:8080 --name anna"],
  },
  {
    name: "logout",
    args: [],
    flags: ["url"],
    summary: "end the session of `tillroll login` and delete its saved token",
    examples: ["tillroll logout --url http://coordinator:8080"],
  },
  ...RELEASE_COMMANDS,
  ...SCHEDULE_COMMANDS,
  ...WEBHOOK_COMMANDS,
  {
    name: "broker-config mosquitto",
    args: [],
    flags: console("out", "port", "tls-ca", "tls-cert", "tls-key", "run-as", "json"),
    required: ["out"],
    summary: "write mosquitto.conf, acl and passwords for an external Mosquitto (TLS only)",
    details: [
      "--tls-ca/--tls-cert/--tls-key: the files as Mosquitto sees them (default: the coordinator's).",
      "Run again after each workstation add, rekey or remove, and send Mosquitto SIGHUP.",
    ],
    examples: [
      "tillroll broker-config mosquitto --out /etc/mosquitto/conf.d/tillroll --port 8883",
      "tillroll broker-config mosquitto --out ./mosquitto --run-as mosquitto --json",
    ],
  },
  {
    name: "key generate",
    args: ["DIR"],
    flags: [],
    summary: "a new signing key pair in DIR, for a key rotation (never overwrites)",
    examples: ["tillroll key generate /secure/next-key"],
  },
];

/**
 * Words that were commands once, with where they went: `tillroll demo` is refused with a pointer,
 * not an "unknown command" guess. (The demo spawns agents: it is no part of the coordinator.)
 */
export const MOVED_COMMANDS: ReadonlyMap<string, string> = new Map([
  ["demo", "the demo is not part of tillroll: run `pnpm demo` in a checkout of the repository"],
]);

/** The command whose words start `words`, longest first (`workstation add` before `workstation`). */
export function findCommand(
  words: readonly string[],
): { spec: CommandSpec; rest: string[] } | undefined {
  const matches = COMMANDS.filter((spec) => {
    const parts = spec.name.split(" ");
    return parts.every((part, i) => words[i] === part);
  }).sort((a, b) => b.name.split(" ").length - a.name.split(" ").length);
  const spec = matches[0];
  if (spec === undefined) return undefined;
  return { spec, rest: words.slice(spec.name.split(" ").length) };
}

/** The commands whose first word is `word` (`pack` → `pack publish`). */
export function subcommandsOf(word: string): CommandSpec[] {
  return COMMANDS.filter((spec) => spec.name.startsWith(`${word} `));
}
