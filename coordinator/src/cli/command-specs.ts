import { type CommandSpec, consoleFlags as console } from "./command-spec.js";
import { FILTER_FLAGS, type OptionName } from "./options.js";
import { RECIPE_COMMANDS } from "./recipe-command-specs.js";
import { RELEASE_COMMANDS } from "./release-command-specs.js";
import { SCHEDULE_COMMANDS } from "./schedule-command-specs.js";
import { WEBHOOK_COMMANDS } from "./webhook-command-specs.js";

export type { CommandSpec } from "./command-spec.js";

/**
 * The table of every `tillroll` command (the shape is command-spec.ts); the
 * release, schedule and webhook commands live in their own files and are
 * spread in below at their place in the help.
 */

const TLS_FLAGS = [
  "tls",
  "tls-cert",
  "tls-key",
  "tls-ca",
  "allow-plaintext",
  "plain-mqtt-port",
  "plain-http-port",
] as const satisfies readonly OptionName[];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "coordinator",
    args: [],
    flags: [
      "data",
      "database",
      "mqtt-port",
      "http-port",
      "broker",
      "replica-group",
      "pack-base-url",
      "host",
      "public-host",
      ...TLS_FLAGS,
      "smtp",
      "mail-from",
      "install-log-lines",
      "install-log-days",
    ],
    summary: "run the coordinator: embedded MQTT broker, fleet store, HTTP API and pack downloads",
    details: [
      "The first start creates the data folder, the signing key pair, the operator token and the",
      "platform admin `admin` (that token is its API token; its password is printed once).",
      "With --tls (or --tls-cert/--tls-key) --mqtt-port (default 8883) and --http-port (default 8443) speak TLS only.",
      "--smtp smtp://host:port --mail-from ADDR: e-mail notices (task planned/cancelled, blackouts); without --smtp, none.",
      "--database postgres://…: the store in PostgreSQL (pack files, keys and tokens stay in --data); default: JSON files in --data.",
      "--pack-base-url URL: agents download packs from URL/packs/<sha256>.tgz (a shared server or CDN serving DATA/packs/).",
    ],
    examples: [
      "tillroll coordinator --data /var/lib/tillroll-coordinator",
      "tillroll coordinator --data ./data --host 0.0.0.0 --public-host coordinator.example --http-port 8080 --mqtt-port 1883",
      "tillroll coordinator --data ./data --tls --host 0.0.0.0 --public-host coordinator.example",
      "tillroll coordinator --tls-cert server.pem --tls-key server.key --tls-ca ca.pem --allow-plaintext",
      "tillroll coordinator --data ./data --smtp smtp://mail.example.com:25 --mail-from tillroll@example.com",
      "tillroll coordinator --data ./data --database postgres://tillroll:secret@db.example:5432/tillroll",
    ],
  },
  {
    name: "migrate",
    args: [],
    flags: ["from", "to"],
    required: ["from", "to"],
    summary: "move a JSON-store coordinator's data into an empty PostgreSQL database",
    details: [
      "Stop the coordinator first (one still running on DATA on this machine is refused).",
      "Everything moves in one transaction: workstations, desired state, fleet rows, releases,",
      "schedules, recipes, pack records, operators, audit, notices, webhooks and install logs;",
      "a failure leaves the database empty. Pack files stay in DATA/packs: start the",
      "coordinator with the same --data and --database (or serve packs from --pack-base-url).",
      "A database that already holds tillroll data is refused.",
    ],
    flagHelp: {
      from: "the coordinator's data folder (its --data); left as it is",
      to: "the empty target database: postgres://user:password@host:5432/database",
    },
    flagValues: { from: "DATA", to: "postgres://…" },
    examples: [
      "tillroll migrate --from /var/lib/tillroll-coordinator --to postgres://tillroll@db.example/tillroll",
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
    flags: console(
      ...FILTER_FLAGS,
      "version",
      "valid-from",
      "install",
      "all",
      "dry-run",
      "json",
      "drain-minutes",
    ),
    required: ["function", "version"],
    summary: "set the preferred version (or - for no update) of the matching rows",
    details: [
      "Needs filters that narrow it (--function alone does not), or --all for the whole fleet.",
      "--install also creates rows on matching workstations that lack the function (first install).",
      "--drain-minutes N: maintenance on once the update could start, a notice N minutes ahead, then the update once the users left (forcing them out takes a forced release task).",
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
    flags: console("operator", "from", "to", "json"),
    summary: "every console action: when, who (name and role), what, how many rows",
    examples: [
      "tillroll audit",
      "tillroll audit --operator anna --json",
      "tillroll audit --from 2026-11-30T00:00:00Z --to 2026-11-30T23:59:59Z",
    ],
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
  {
    name: "log",
    args: ["STORE/WS", "FUNCTION"],
    flags: console("request", "follow", "json"),
    summary: "the install log the coordinator kept of one workstation's flow service",
    details: [
      "Hook, health-check, service and agent lines, oldest first; lines a till made offline arrive",
      "once it is back. Kept per row: the last --install-log-lines (2000) for --install-log-days (30).",
    ],
    examples: [
      "tillroll log 1001/01 pos-client",
      "tillroll log 1001/01 pos-client --request r-42 --follow",
    ],
  },
  // Recipes, updates and rebuild (issue 13): recipe-command-specs.ts.
  ...RECIPE_COMMANDS,
  {
    name: "pos-session release",
    args: ["STORE/WS"],
    flags: console("reason", "force", "json"),
    required: ["reason"],
    summary: "end a stale POS session (a POS that crashed with users logged in), audited",
    details: [
      "Admin, or an operator when a row of the till runs a request of a forced release task.",
      'Refused unless a status reason says "POS session stale since"; --force releases anyway.',
      "The agent ends only the session the broker holds now, and only while the POS is offline.",
    ],
    examples: [
      'tillroll pos-session release 1001/01 --reason "POS crashed, till restarted by the manager"',
    ],
  },
  // Issue 13: the operator's maintenance switch (admin, audited).
  {
    name: "maintenance on",
    args: ["STORE/WS"],
    flags: console("function", "reason", "json"),
    summary: "maintenance mode on for a workstation: its POS admits no new logins",
    details: [
      "--function F: only that flow service (repeat the command for more); without it the whole workstation.",
    ],
    examples: [
      "tillroll maintenance on 1001/01 --reason stock-taking",
      "tillroll maintenance on 1001/01 --function pos-client",
    ],
  },
  {
    name: "maintenance off",
    args: ["STORE/WS"],
    flags: console("function", "reason", "json"),
    summary: "maintenance mode off again (or one function out of it with --function F)",
    examples: ["tillroll maintenance off 1001/01"],
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
