/**
 * Every flag of the `tillroll` command line, once: its type, whether it may
 * be repeated (a list), the name of its value in help texts and what it
 * means. Which command takes which flag is in command-specs.ts.
 */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** A repeated flag (or comma-separated values) is a list. */
  readonly multiple?: true;
  readonly short?: string;
  /** The value's name in usage lines (`--store S`). */
  readonly value?: string;
  readonly description: string;
}

export const OPTIONS = {
  data: {
    type: "string",
    value: "DIR",
    description: "the coordinator's data folder (default ./data)",
  },
  "mqtt-port": {
    type: "string",
    value: "PORT",
    description: "embedded broker port (default 1883; 8883 with TLS)",
  },
  "http-port": {
    type: "string",
    value: "PORT",
    description: "HTTP API and pack port (default 8080; 8443 with TLS)",
  },
  broker: {
    type: "string",
    value: "URL",
    description: "use an external broker (mqtt://user:pass@host:1883) instead of the embedded one",
  },
  "replica-group": {
    type: "string",
    value: "NAME",
    description:
      "replicas on one external broker and database: their shared subscription group (default tillroll)",
  },
  "pack-base-url": {
    type: "string",
    value: "URL",
    description:
      "where agents download packs: an HTTP server or CDN serving DATA/packs/ as URL/packs/<sha256>.tgz (default: this coordinator)",
  },
  host: { type: "string", value: "ADDR", description: "address to listen on (default 127.0.0.1)" },
  "public-host": {
    type: "string",
    value: "NAME",
    description: "host name agents reach this coordinator by (default: --host)",
  },
  url: {
    type: "string",
    value: "URL",
    description: "the coordinator (default TILLROLL_URL or http://127.0.0.1:8080)",
  },
  token: {
    type: "string",
    value: "TOKEN",
    description: "operator token (default TILLROLL_TOKEN, or --data DIR's operator-token)",
  },
  json: { type: "boolean", description: "print JSON for scripts" },
  // TLS (README "TLS").
  tls: {
    type: "boolean",
    description: "serve MQTT and HTTP over TLS with a CA and certificate generated under DATA/tls",
  },
  "tls-cert": {
    type: "string",
    value: "FILE",
    description: "TLS with your own certificate (PEM, chain after it); with --tls-key",
  },
  "tls-key": { type: "string", value: "FILE", description: "the private key (PEM) of --tls-cert" },
  "tls-ca": {
    type: "string",
    value: "FILE",
    description: "the CA (PEM) --tls-cert's chain ends in, handed to agents to pin",
  },
  "allow-plaintext": {
    type: "boolean",
    description: "with TLS, also listen in plain text (--plain-mqtt-port, --plain-http-port)",
  },
  "plain-mqtt-port": {
    type: "string",
    value: "PORT",
    description: "plain-text MQTT port with --allow-plaintext (default 1883)",
  },
  "plain-http-port": {
    type: "string",
    value: "PORT",
    description: "plain-text HTTP port with --allow-plaintext (default 8080)",
  },
  ca: {
    type: "string",
    value: "FILE",
    description:
      "CA (PEM) to check an https:// coordinator with (default TILLROLL_CA, or --data DIR's tls/ca.pem)",
  },
  out: { type: "string", value: "DIR", description: "folder to write the files into" },
  port: {
    type: "string",
    value: "PORT",
    description: "port the external broker listens on, TLS (default 8883)",
  },
  "run-as": {
    type: "string",
    value: "USER",
    description: "user Mosquitto drops its root privileges to (its `user` setting)",
  },
  role: {
    type: "string",
    value: "ROLE",
    description: "viewer, operator, approver or admin (each includes the one before)",
  },
  scope: {
    type: "string",
    value: "GROUP",
    description: "limit the operator to this business unit group and its subgroups",
  },
  email: { type: "string", value: "ADDR", description: "the operator's contact address" },
  name: { type: "string", value: "NAME", description: "operator name (default: your user name)" },
  operator: { type: "string", value: "NAME", description: "only the entries of this operator" },
  // Filters: a repeated flag is a list (the bounds refuse one with a message).
  store: { type: "string", multiple: true, value: "S", description: "store id(s)" },
  workstation: { type: "string", multiple: true, value: "W", description: "workstation id(s)" },
  function: { type: "string", multiple: true, value: "F", description: "function (flow service)" },
  "active-version": {
    type: "string",
    multiple: true,
    value: "V|-",
    description: "active version(s); - for none",
  },
  "preferred-version": {
    type: "string",
    multiple: true,
    value: "V|-",
    description: "preferred version(s); - for no update planned",
  },
  status: {
    type: "string",
    multiple: true,
    value: "STATUS",
    description: "OK, Prepared, In Progress, Not Ready, Rolled Back, Failed (any case)",
  },
  group: {
    type: "string",
    multiple: true,
    value: "G",
    description: "business unit group(s), with their subgroups",
  },
  "valid-from-from": {
    type: "string",
    multiple: true,
    value: "ISO",
    description: "valid-from on or after (date or timestamp)",
  },
  "valid-from-to": {
    type: "string",
    multiple: true,
    value: "ISO",
    description: "valid-from on or before (date or timestamp)",
  },
  version: { type: "string", value: "V|-", description: "the version to set; - for no update" },
  "valid-from": {
    type: "string",
    value: "ISO",
    description: "earliest start, ISO 8601 with Z or offset (default now)",
  },
  install: {
    type: "boolean",
    description: "also install on matching workstations that lack the function",
  },
  all: { type: "boolean", description: "act on the whole fleet (instead of filters)" },
  "dry-run": { type: "boolean", description: "show what would change; change nothing" },
  // Release tasks (issue 10).
  file: {
    type: "string",
    value: "F",
    description: "a JSON document: the release (release create), the recipe (recipe set)",
  },
  "allow-downgrade": {
    type: "boolean",
    description:
      "create the release although its version is older than a target row's active one (the document's \"allowDowngrade\": true)",
  },
  comment: {
    type: "string",
    value: "TEXT",
    description: "why you approve or reject (1-1000 characters, kept in the release's decisions)",
  },
  // Maintenance windows, store settings, blackouts (issue 11).
  tz: {
    type: "string",
    value: "ZONE",
    description: 'IANA time zone, like Europe/Berlin (store set: "" unsets it)',
  },
  days: {
    type: "string",
    value: "DAYS",
    description: "weekdays the window opens on: mon-sat, mon,wed,fri, sat-mon (wraps), mon-fri,sun",
  },
  start: { type: "string", value: "HH:MM", description: "local time the window opens, like 02:00" },
  duration: {
    type: "string",
    value: "D",
    description: "how long the window stays open: 3h, 1h30m, 45m (whole minutes, 1m to 24h)",
  },
  contact: {
    type: "string",
    value: "ADDR",
    description: 'e-mail address of the store\'s contact ("" unsets it)',
  },
  from: {
    type: "string",
    value: "ISO",
    description:
      "ISO 8601 with Z or an offset: when the blackout begins (blackout add); the earliest entry (audit)",
  },
  to: {
    type: "string",
    value: "ISO",
    description:
      "ISO 8601 with Z or an offset: when the blackout ends, after --from, not past (blackout add); the latest entry (audit)",
  },
  reason: {
    type: "string",
    value: "TEXT",
    description: "why: 1-200 characters, shown to everyone",
  },
  // Notices (issue 11): webhooks and the coordinator's mail.
  secret: {
    type: "string",
    value: "S",
    description:
      "the webhook's signing secret (8-256 characters; X-Tillroll-Signature), never shown again",
  },
  events: {
    type: "string",
    multiple: true,
    value: "E,...",
    description: "the events the webhook gets (default: every event)",
  },
  // Issue 14: the store in PostgreSQL instead of the data folder's JSON files.
  database: {
    type: "string",
    value: "URL",
    description:
      "keep the coordinator's store in PostgreSQL (postgres://user:password@host:5432/db); default: JSON files in --data",
  },
  smtp: {
    type: "string",
    value: "URL",
    description:
      "send e-mail notices through this SMTP server (smtp://host:port); without it, no mail",
  },
  "mail-from": {
    type: "string",
    value: "ADDR",
    description: "the From address of e-mail notices (with --smtp)",
  },
  // Install logs at head office (issue 13).
  request: { type: "string", value: "ID", description: "only the lines of this update request" },
  follow: {
    type: "boolean",
    description: "keep printing new lines as they arrive (every second) until Ctrl-C",
  },
  "install-log-lines": {
    type: "string",
    value: "N",
    description: "install-log lines kept per workstation and function (default 2000)",
  },
  "install-log-days": {
    type: "string",
    value: "D",
    description: "days install-log lines are kept (default 30)",
  },
  // Recipes (issue 13).
  effective: {
    type: "string",
    value: "S/W",
    description: "the effective (merged) recipe of this workstation",
  },
  // Issue 13: `pos-session release --force`.
  force: {
    type: "boolean",
    description: "release the POS session even though no status reason says it is stale",
  },
  // Drain and maintenance mode (issue 13).
  "drain-minutes": {
    type: "string",
    value: "N",
    description:
      "ask users to leave first: maintenance on, a notice N minutes ahead (fractions allowed) and one at the update",
  },
  help: { type: "boolean", short: "h", description: "this command's help" },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** Parsed flags: a string, a list of strings for a repeatable flag, or true. */
export type CliValues = {
  -readonly [K in OptionName]?: (typeof OPTIONS)[K] extends { type: "boolean" }
    ? boolean
    : (typeof OPTIONS)[K] extends { multiple: true }
      ? string[]
      : string;
};

export const FILTER_FLAGS = [
  "store",
  "workstation",
  "function",
  "active-version",
  "preferred-version",
  "status",
  "group",
  "valid-from-from",
  "valid-from-to",
] as const satisfies readonly OptionName[];

/** The flags every console command takes to find the coordinator. */
export const CONSOLE_FLAGS = [
  "url",
  "token",
  "data",
  "ca",
] as const satisfies readonly OptionName[];
