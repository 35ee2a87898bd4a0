#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { parseEmail } from "../accounts/identity.js";
import { Coordinator } from "../coordinator.js";
import { type MailSettings, smtpUrlProblem } from "../notices/mail-sender.js";
import { normalizePackBaseUrl, packBaseUrlProblem } from "../packs/pack-base-url.js";
import { StartupError } from "../setup/startup-error.js";
import { databaseUrlProblem } from "../store/database-url.js";
import { runBrokerConfig } from "./broker-config-command.js";
import { parseCommandLine } from "./command-line.js";
import { runConsoleCommand } from "./commands.js";
import { ConsoleError, UsageError } from "./console-client.js";
import { EXIT_CODES } from "./exit-codes.js";
import { commandHelp, generalHelp } from "./help.js";
import { runKeyCommand } from "./key-command.js";
import { runMigrateCommand } from "./migrate-command.js";
import type { CliValues } from "./options.js";
import { tlsChoice } from "./tls-flags.js";

export type { CliValues } from "./options.js";

/** `tillroll --help` (generated from the command table). */
export const HELP = generalHelp();

function port(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(value) || value < 0 || value > 65535)
    throw new UsageError(`--${name}: ${JSON.stringify(text)} is not a port number (0-65535)`);
  return value;
}

/** An IP address or a host name (RFC 1123 labels); anything else is a typo. */
function listenHost(text: string | undefined): string {
  if (text === undefined) return "127.0.0.1";
  const name =
    /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
  if (isIP(text) === 0 && !name.test(text))
    throw new UsageError(
      `--host: ${JSON.stringify(text)} is not an IP address or host name (e.g. 0.0.0.0, 127.0.0.1)`,
    );
  return text;
}

async function runCoordinator(values: CliValues): Promise<void> {
  const tls = tlsChoice(values);
  const plaintext =
    values["allow-plaintext"] === true
      ? {
          mqttPort: port(values["plain-mqtt-port"], 1883, "plain-mqtt-port"),
          httpPort: port(values["plain-http-port"], 8080, "plain-http-port"),
        }
      : undefined;
  const coordinator = await Coordinator.start({
    dataDir: values.data ?? "./data",
    database: databaseUrl(values.database),
    host: listenHost(values.host),
    mqttPort: port(values["mqtt-port"], tls === undefined ? 1883 : 8883, "mqtt-port"),
    httpPort: port(values["http-port"], tls === undefined ? 8080 : 8443, "http-port"),
    brokerUrl: values.broker,
    replicaGroup: values["replica-group"],
    packBaseUrl: packBaseUrl(values["pack-base-url"]),
    publicHost: values["public-host"],
    tls,
    plaintext,
    mail: mailSettings(values),
    installLogRetention: installLogRetention(values),
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

/** `--database URL`: a postgres:// or postgresql:// URL, checked before anything starts. */
function databaseUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const problem = databaseUrlProblem(text);
  if (problem !== null) throw new UsageError(`--database: ${problem}`);
  return text;
}

/** `--pack-base-url URL`: an http(s) URL without credentials, checked before anything starts. */
function packBaseUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const problem = packBaseUrlProblem(text);
  if (problem !== null) throw new UsageError(`--pack-base-url: ${problem}`);
  return normalizePackBaseUrl(text);
}

/** `--install-log-lines N --install-log-days D`: whole numbers, at least 1. */
function installLogRetention(values: CliValues): { linesPerRow?: number; days?: number } {
  const whole = (flag: "install-log-lines" | "install-log-days", max: number) => {
    const text = values[flag];
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < 1 || value > max)
      throw new UsageError(`--${flag}: ${JSON.stringify(text)} is not a whole number 1-${max}`);
    return value;
  };
  const linesPerRow = whole("install-log-lines", 1_000_000);
  const days = whole("install-log-days", 36_500);
  return {
    ...(linesPerRow === undefined ? {} : { linesPerRow }),
    ...(days === undefined ? {} : { days }),
  };
}

/** `--smtp URL --mail-from ADDR`, both or neither. */
function mailSettings(values: CliValues): MailSettings | undefined {
  const smtp = values.smtp;
  const from = values["mail-from"];
  if (smtp === undefined && from === undefined) return undefined;
  if (smtp === undefined) throw new UsageError("--mail-from needs --smtp smtp://host:port");
  if (from === undefined)
    throw new UsageError("--smtp needs --mail-from ADDR (the From address of the mails)");
  const problem = smtpUrlProblem(smtp);
  if (problem !== null) throw new UsageError(`--smtp: ${problem}`);
  const address = parseEmail(from);
  if (!address.ok || address.value === null)
    throw new UsageError(`--mail-from: ${JSON.stringify(from)} is not an e-mail address`);
  return { smtp, from: address.value };
}

function packageVersion(): string {
  const url = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
}

async function main(argv: string[]): Promise<void> {
  const line = parseCommandLine(argv);
  if (line.kind === "version") {
    process.stdout.write(`tillroll ${packageVersion()}\n`);
    return;
  }
  if (line.kind === "help") {
    process.stdout.write(line.spec === undefined ? HELP : `${commandHelp(line.spec)}`);
    return;
  }
  const { spec, args, values } = line;
  const [command = "", ...subcommand] = spec.name.split(" ");
  if (command === "coordinator") return runCoordinator(values);
  if (command === "key") return runKeyCommand([...subcommand, ...args]);
  if (command === "migrate") {
    process.exitCode = await runMigrateCommand(values, (text) => process.stdout.write(text));
    return;
  }
  if (command === "broker-config") {
    process.exitCode = await runBrokerConfig(values);
    return;
  }
  process.exitCode = await runConsoleCommand(command, [...subcommand, ...args], values);
}

// A closed output pipe (`tillroll status | head -1`) ends the command quietly, as for any Unix tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? EXIT_CODES.ok);
    throw error;
  });
}

main(process.argv.slice(2)).catch((error: Error) => {
  // Problems an operator fixes are one sentence, no stack: a refusal, a bad
  // command line, a port in use, a data folder that is a file.
  const known = error instanceof ConsoleError || error instanceof StartupError;
  process.stderr.write(`tillroll: ${known ? error.message : (error.stack ?? error.message)}\n`);
  process.exit(error instanceof ConsoleError ? error.exitCode : EXIT_CODES.error);
});
