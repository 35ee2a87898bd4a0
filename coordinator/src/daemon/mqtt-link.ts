import { randomBytes } from "node:crypto";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { parseTopic } from "@tillroll/protocol";
import mqtt, { type MqttClient } from "mqtt";
import { type EmbeddedBroker, startEmbeddedBroker } from "../broker/embedded-broker.js";
import { createPrincipalLookup } from "../broker/principal-lookup.js";
import type { InstallLogIngest } from "../ingest/install-log.js";
import { explainListenError } from "../setup/startup-error.js";
import type { WorkstationStore } from "../store/workstation-store.js";
import type { TlsMaterial } from "../tls/certificates.js";
import { tlsServerOptions } from "../tls/tls-listener.js";
import type { Closers } from "./closers.js";

export interface MqttLinkOptions {
  readonly host: string;
  readonly mqttPort: number;
  /** With TLS: the plain-text MQTT port as well (--allow-plaintext). */
  readonly plainMqttPort: number | undefined;
  /** External broker (`--broker`); undefined: the embedded one is started. */
  readonly brokerUrl: string | undefined;
  readonly topicRoot: string;
  readonly material: TlsMaterial | null;
  /** The broker's login check reads enrolled workstations synchronously (peek). */
  readonly workstations: WorkstationStore;
  readonly installLog: InstallLogIngest;
  readonly log: (message: string) => void;
}

/** The broker (embedded, or null for an external one) and the coordinator's own client of it. */
export interface MqttLink {
  readonly broker: EmbeddedBroker | null;
  readonly client: MqttClient;
  /** Publishes a retained QoS 1 message (a desired document). */
  readonly publishRetained: (topic: string, payload: string) => Promise<void>;
}

/**
 * Starts the embedded broker (unless `--broker` names an external one) and
 * connects the coordinator's client. Adds the broker's close (after what is
 * there) and the client's (before everything) to `closers`; `afterBroker`
 * is added right after the broker's (what must wait until no message
 * arrives any more).
 */
export async function connectMqtt(
  options: MqttLinkOptions,
  closers: Closers,
  afterBroker: () => Promise<void>,
): Promise<MqttLink> {
  const { host, topicRoot, material, log, installLog } = options;
  let broker: EmbeddedBroker | null = null;
  let clientUrl: string;
  let clientAuth: { username?: string; password?: string } = {};
  if (options.brokerUrl === undefined) {
    broker = await startEmbeddedBroker({
      host,
      port: options.mqttPort,
      tls: material === null ? undefined : tlsServerOptions(material),
      plainPort: options.plainMqttPort,
      topicRoot,
      log,
      lookupPrincipal: createPrincipalLookup((ref) => options.workstations.peek(ref)),
      // With the embedded broker a log line is kept before its PUBACK, so the agent's
      // outbox lets it go only once it is stored here.
      beforeAck: async (topic, payload) => {
        const address = parseTopic(topic, topicRoot);
        if (!address.ok || address.value.kind !== "log") return;
        const { store: wsStore, workstation } = address.value;
        const kept = await installLog.onMessage(wsStore, workstation, payload);
        if (!kept.ok) log(`message from ${wsStore}/${workstation} ignored: ${kept.error}`);
      },
    }).catch((error: unknown) => {
      const plain = (error as { listener?: string }).listener === "plain";
      throw plain
        ? explainListenError(error, "--plain-mqtt-port", host, options.plainMqttPort ?? 0)
        : explainListenError(error, "--mqtt-port", host, options.mqttPort);
    });
    clientUrl = broker.url;
    clientAuth = { ...broker.coordinatorCredentials };
    const started = broker;
    closers.push(() => started.close());
  } else {
    clientUrl = options.brokerUrl;
  }
  closers.push(afterBroker);

  const client: MqttClient = await mqtt.connectAsync(clientUrl, {
    // Issue 14: replicas on one broker each need their own id (containers all run as pid 1):
    // a second client with the same id would knock the first off, over and over.
    clientId: `tillroll-coordinator-${process.pid}-${randomBytes(4).toString("hex")}`,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 1000,
    ...clientAuth,
    ...(material === null ? {} : ownBrokerTls(material)),
  });
  closers.unshift(() => client.endAsync().then(() => undefined));
  return { broker, client, publishRetained: retainedPublisher(broker, client) };
}

/**
 * With the embedded broker, publish in-process: the same retained store and
 * offline queues, without encoding 10,000 packets through a TCP client.
 */
function retainedPublisher(
  embedded: EmbeddedBroker | null,
  client: MqttClient,
): (topic: string, payload: string) => Promise<void> {
  if (embedded === null)
    return async (topic, payload) => {
      await client.publishAsync(topic, payload, { qos: 1, retain: true });
    };
  return (topic, payload) =>
    new Promise<void>((resolve, reject) => {
      embedded.aedes.publish(
        {
          cmd: "publish",
          topic,
          payload: Buffer.from(payload),
          qos: 1,
          retain: true,
          dup: false,
        },
        (error?: Error) => (error ? reject(error) : resolve()),
      );
    });
}

/**
 * TLS options of the coordinator's own MQTT client: it trusts the CA it
 * hands agents, and its own server certificate by fingerprint whatever name
 * it dials it by (the embedded broker listens on --host, which may be
 * 0.0.0.0 or an address the certificate does not name).
 */
function ownBrokerTls(material: TlsMaterial) {
  return {
    ...(material.caPem === null ? {} : { ca: material.caPem }),
    checkServerIdentity: (hostname: string, cert: PeerCertificate) =>
      cert.fingerprint256 === material.fingerprint256
        ? undefined
        : checkServerIdentity(hostname, cert),
  };
}
