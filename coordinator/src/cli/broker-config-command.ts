import { resolve } from "node:path";
import { generateSecret } from "../broker/credentials.js";
import { COORDINATOR_USERNAME } from "../broker/embedded-broker.js";
import { generateMosquittoConfig } from "../broker-config/mosquitto.js";
import { mosquittoPasswordLine } from "../broker-config/mosquitto-password.js";
import { mosquittoFiles, writeMosquittoConfig } from "../broker-config/write-mosquitto-config.js";
import { ConsoleError, callRoute, resolveTarget, UsageError } from "./console-client.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import type { CliValues } from "./options.js";

/**
 * `tillroll broker-config mosquitto --out DIR [--port 8883]`: asks the
 * coordinator (GET /api/broker-config/mosquitto, so it works from any
 * machine) for the fleet's accounts and the Mosquitto password hashes kept
 * at enrolment, and writes DIR/mosquitto.conf, DIR/acl and DIR/passwords.
 *
 * The coordinator's own account: when the coordinator already runs with
 * `--broker mqtts://user:pass@…`, that account (its hash); otherwise a new
 * secret is made here and printed once, in the --broker URL to start the
 * coordinator with.
 */
export async function runBrokerConfig(values: CliValues): Promise<ExitCode> {
  const out = values.out;
  if (out === undefined) throw new UsageError("broker-config mosquitto: --out DIR is required");
  const port = listenerPort(values.port);
  const target = await resolveTarget(values, process.env);
  const answer = await callRoute(target, "mosquittoAccounts");
  const caFile = values["tls-ca"] ?? answer.tls?.caFile ?? undefined;
  const certFile = values["tls-cert"] ?? answer.tls?.certFile;
  const keyFile = values["tls-key"] ?? answer.tls?.keyFile;
  if (caFile === undefined || certFile === undefined || keyFile === undefined) {
    throw new UsageError(
      "broker-config mosquitto: Mosquitto serves TLS only: give --tls-ca, --tls-cert and --tls-key (the coordinator runs without a CA to take them from)",
    );
  }
  let newSecret: string | null = null;
  let coordinator = answer.coordinator;
  if (coordinator === null) {
    newSecret = generateSecret();
    coordinator = {
      username: COORDINATOR_USERNAME,
      passwordLine: mosquittoPasswordLine(COORDINATOR_USERNAME, newSecret),
    };
  }
  const files = mosquittoFiles(resolve(out));
  const config = generateMosquittoConfig({
    topicRoot: answer.topicRoot,
    listener: { port },
    tls: { caFile: resolve(caFile), certFile: resolve(certFile), keyFile: resolve(keyFile) },
    files: {
      passwordFile: files.passwords,
      aclFile: files.acl,
      persistenceDir: files.persistenceDir,
    },
    coordinator,
    accounts: answer.accounts,
    runAsUser: values["run-as"],
  });
  if (!config.ok) throw new ConsoleError(`broker-config mosquitto: ${config.error}`);
  await writeMosquittoConfig(files, config.value);
  const brokerUrl =
    newSecret === null
      ? null
      : `mqtts://${COORDINATOR_USERNAME}:${newSecret}@MOSQUITTO-HOST:${port}`;
  const report = {
    files: { conf: files.conf, acl: files.acl, passwords: files.passwords },
    accounts: answer.accounts.length,
    withoutPasswordLine: answer.withoutPasswordLine,
    coordinatorBrokerUrl: brokerUrl,
  };
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const lines = [
      `Wrote ${files.conf}, ${files.acl} and ${files.passwords} (${answer.accounts.length} till account(s)).`,
      `Start Mosquitto with: mosquitto -c ${files.conf} (it must be able to read ${resolve(keyFile)}).`,
      ...(brokerUrl === null
        ? ["The coordinator's account is the one of its --broker URL."]
        : [
            "Then start the coordinator against it (the secret is shown only now):",
            `  tillroll coordinator --broker ${brokerUrl} ...`,
          ]),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  if (answer.withoutPasswordLine.length > 0) {
    process.stderr.write(
      `tillroll: ${answer.withoutPasswordLine.length} workstation(s) were enrolled before their Mosquitto passwords were kept and cannot log in to Mosquitto: ${answer.withoutPasswordLine.slice(0, 5).join(", ")}${answer.withoutPasswordLine.length > 5 ? ", …" : ""}\n`,
    );
  }
  return EXIT_CODES.ok;
}

function listenerPort(text: string | undefined): number {
  if (text === undefined) return 8883;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 65_535)
    throw new UsageError(`--port: ${JSON.stringify(text)} is not a port number (1-65535)`);
  return value;
}
