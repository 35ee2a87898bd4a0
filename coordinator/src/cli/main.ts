#!/usr/bin/env node
import { parseArgs } from "node:util";
import { Coordinator } from "../coordinator.js";
import { DataDirError } from "../setup/data-dir-error.js";
import { runConsoleCommand } from "./commands.js";
import { ConsoleError, UsageError } from "./console-client.js";
import { runDemo } from "./demo.js";
import { EXIT_CODES, EXIT_CODES_HELP } from "./exit-codes.js";
import { runKeyCommand } from "./key-command.js";

export const HELP = `tillroll: fleet updates for retail workstations.

Daemon:
  tillroll coordinator [--data DIR] [--mqtt-port 1883] [--http-port 8080] [--broker URL]
                       [--host 127.0.0.1] [--public-host NAME]

Console (talks to the coordinator over HTTP: --url / TILLROLL_URL, default http://127.0.0.1:8080;
operator token: --token / TILLROLL_TOKEN / --data DIR's operator-token, default ./data):
  tillroll workstation add STORE/WS [--group G] [--json]
  tillroll pack publish FILE [--json]
  tillroll status [filters] [--json]
  tillroll versions --function F [filters] [--json]
  tillroll set-preferred --function F --version V|- [--valid-from ISO] [--install]
                        (filters | --all) [--dry-run] [--json]
  tillroll retry (filters | --all) [--dry-run] [--json]
  tillroll audit [--json]
  tillroll workstation list [--store S] [--workstation W] [--group G] [--json]
  tillroll workstation remove STORE/WS [--json]   its logins, desired state and rows go
  tillroll workstation rekey STORE/WS [--json]    new logins (a replaced till); old ones refused
  tillroll pack list [--function F] [--json]
  tillroll pack withdraw NAME VERSION [--json]   no new request may name it; running rows untouched
  tillroll demo
  tillroll key generate DIR      a new signing key pair in DIR (for a rotation; never overwrites)

Filters: --store S --workstation W --function F --active-version V|- --preferred-version V|-
         --status STATUS --group G (matches subgroups) --valid-from-from ISO --valid-from-to ISO
  Every filter but the two valid-from bounds takes a list: repeat the flag or separate values
  with commas (--store 1001 --store 2002, or --store 1001,2002). A row matches when it has any
  of a filter's values, and every filter given must hold. A list that starts with "-" is
  written with "=": --preferred-version=-,1.1.0.

Changes (set-preferred, retry):
  A change needs filters that narrow it (for set-preferred, --function alone does not), or
  --all to act on the whole fleet; --all with filters is refused.
  --dry-run prints the rows that would change and the rows that would be skipped, with
  reasons, and changes nothing.

${EXIT_CODES_HELP}`;

const OPTIONS = {
  data: { type: "string" },
  "mqtt-port": { type: "string" },
  "http-port": { type: "string" },
  broker: { type: "string" },
  host: { type: "string" },
  "public-host": { type: "string" },
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  // Filters: a repeated flag is a list (the bounds refuse one with a message).
  group: { type: "string", multiple: true },
  store: { type: "string", multiple: true },
  workstation: { type: "string", multiple: true },
  function: { type: "string", multiple: true },
  "active-version": { type: "string", multiple: true },
  "preferred-version": { type: "string", multiple: true },
  status: { type: "string", multiple: true },
  "valid-from-from": { type: "string", multiple: true },
  "valid-from-to": { type: "string", multiple: true },
  version: { type: "string" },
  "valid-from": { type: "string" },
  install: { type: "boolean" },
  all: { type: "boolean" },
  "dry-run": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export type CliValues = ReturnType<typeof parse>["values"];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

function port(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new UsageError(`--${name}: ${JSON.stringify(text)} is not a port number`);
  return value;
}

async function runCoordinator(values: CliValues): Promise<void> {
  const coordinator = await Coordinator.start({
    dataDir: values.data ?? "./data",
    host: values.host ?? "127.0.0.1",
    mqttPort: port(values["mqtt-port"], 1883, "mqtt-port"),
    httpPort: port(values["http-port"], 8080, "http-port"),
    brokerUrl: values.broker,
    publicHost: values["public-host"],
    log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });
  const shutdown = () => {
    coordinator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === "help") {
    process.stdout.write(HELP);
    return;
  }
  if (command === "coordinator") return runCoordinator(values);
  if (command === "demo") return runDemo();
  if (command === "key") return runKeyCommand(rest);
  process.exitCode = await runConsoleCommand(command, rest, values);
}

main(process.argv.slice(2)).catch((error: Error) => {
  // A data folder problem is an operator's to fix: one line naming the file, no stack.
  const known = error instanceof ConsoleError || error instanceof DataDirError;
  process.stderr.write(`tillroll: ${known ? error.message : (error.stack ?? error.message)}\n`);
  process.exit(error instanceof ConsoleError ? error.exitCode : EXIT_CODES.error);
});
