import { createServer } from "node:http";
import { join } from "node:path";
import { DEFAULT_TOPIC_ROOT, fleetFilter } from "@tillroll/protocol";
import mqtt, { type MqttClient } from "mqtt";
import { type EmbeddedBroker, startEmbeddedBroker } from "./broker/embedded-broker.js";
import { createPrincipalLookup } from "./broker/principal-lookup.js";
import { DesiredPublisher } from "./desired/desired-publisher.js";
import { createApiHandler } from "./http/api-server.js";
import { StatusCollector } from "./ingest/status-collector.js";
import { LoopDelayMonitor, renderMetrics } from "./metrics.js";
import { ConsoleOperations, type OperationsDeps } from "./operations/console-operations.js";
import { PackAdmin } from "./operations/pack-admin.js";
import { WorkstationAdmin } from "./operations/workstation-admin.js";
import { removeUploadLeftovers } from "./packs/upload-leftovers.js";
import { openDataDir } from "./setup/data-dir.js";
import { explainListenError } from "./setup/startup-error.js";
import { wsKey } from "./state/coordinator-state.js";
import { JsonCoordinatorStore } from "./store/json/json-store.js";

export interface CoordinatorOptions {
  dataDir: string;
  /** Address the broker and HTTP server listen on. */
  host?: string;
  mqttPort: number;
  httpPort: number;
  /** External broker (`mqtt://user:pass@host:port`); the embedded one is not started. */
  brokerUrl?: string | undefined;
  /** Host name agents use to reach this machine, for generated configs and pack URLs. */
  publicHost?: string | undefined;
  topicRoot?: string;
  log?: (message: string) => void;
  now?: () => number;
}

/**
 * The coordinator daemon: broker (embedded or external), stores, status
 * collector, desired publisher and the HTTP API, wired together. All state
 * is in the instance, so tests can run several.
 */
export class Coordinator {
  private constructor(
    readonly httpUrl: string,
    readonly brokerUrl: string,
    readonly dataDir: string,
    private readonly closers: (() => Promise<void>)[],
  ) {}

  static async start(options: CoordinatorOptions): Promise<Coordinator> {
    const log = options.log ?? ((message: string) => console.log(message));
    const now = options.now ?? Date.now;
    const host = options.host ?? "127.0.0.1";
    const topicRoot = options.topicRoot ?? DEFAULT_TOPIC_ROOT;
    const data = await openDataDir(options.dataDir);
    for (const note of data.created) log(note);
    const store = await JsonCoordinatorStore.open({ dir: data.dir, log, now });
    // The broker's login check, /metrics and pack downloads still read the files directly.
    const { state, fleet, packs } = store.files;
    const uploadDir = join(data.dir, "uploads");
    await removeUploadLeftovers(uploadDir, log);
    const closers: (() => Promise<void>)[] = [];

    let broker: EmbeddedBroker | null = null;
    let clientUrl: string;
    let clientAuth: { username?: string; password?: string } = {};
    if (options.brokerUrl === undefined) {
      broker = await startEmbeddedBroker({
        host,
        port: options.mqttPort,
        topicRoot,
        log,
        lookupPrincipal: createPrincipalLookup((ref) => state.state.workstations[wsKey(ref)]),
      }).catch((error: unknown) => {
        throw explainListenError(error, "--mqtt-port", host, options.mqttPort);
      });
      clientUrl = broker.url;
      clientAuth = { ...broker.coordinatorCredentials };
      closers.push(() => broker?.close() ?? Promise.resolve());
    } else {
      clientUrl = options.brokerUrl;
    }

    const client: MqttClient = await mqtt.connectAsync(clientUrl, {
      clientId: `tillroll-coordinator-${process.pid}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      ...clientAuth,
    });
    closers.unshift(() => client.endAsync().then(() => undefined));
    const collector = new StatusCollector(topicRoot, store, now, log);
    client.on("message", (topic, payload) => collector.onMessage(topic, payload));
    await client.subscribeAsync(
      [fleetFilter("status", topicRoot), fleetFilter("presence", topicRoot)],
      { qos: 1 },
    );

    // With the embedded broker, publish in-process: the same retained store and
    // offline queues, without encoding 10,000 packets through a TCP client.
    const embedded = broker;
    const publishRetained =
      embedded === null
        ? async (topic: string, payload: string) => {
            await client.publishAsync(topic, payload, { qos: 1, retain: true });
          }
        : (topic: string, payload: string) =>
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
    const desired = new DesiredPublisher(
      publishRetained,
      store.desired,
      data.signer,
      topicRoot,
      now,
    );
    const republished = await desired.republishAll();
    log(`republished ${republished} desired document(s)`);

    const publicHost = options.publicHost ?? host;
    const mqttPort = broker?.port ?? options.mqttPort;
    const agentBrokerUrl =
      options.brokerUrl === undefined
        ? `mqtt://${publicHost}:${mqttPort}`
        : stripCredentials(options.brokerUrl);
    const loop = new LoopDelayMonitor();
    closers.push(async () => loop.stop());
    // Listen first: pack URLs in desired documents need the real port (0 picks one).
    const server = createServer();
    const httpPort = await new Promise<number>((resolve, reject) => {
      server.once("error", (error) => {
        // Nothing else has started to serve: close what did, so the process can end.
        Promise.all(closers.map((close) => close().catch(() => undefined))).finally(() =>
          reject(explainListenError(error, "--http-port", host, options.httpPort)),
        );
      });
      server.listen(options.httpPort, host, () => {
        const address = server.address();
        resolve(typeof address === "object" && address !== null ? address.port : options.httpPort);
      });
    });
    const operationsDeps: OperationsDeps = {
      workstations: store.workstations,
      desiredState: store.desired,
      fleet: store.fleet,
      packs: store.packs,
      audit: store.audit,
      desired,
      publicKey: data.publicKey,
      nextPublicKey: data.nextPublicKey,
      agentBrokerUrl,
      packBaseUrl: `http://${publicHost}:${httpPort}`,
      now,
      isOnline: (key) => collector.presence.isOnline(key),
      lastReport: (key) => collector.lastReport(key),
    };
    server.on(
      "request",
      createApiHandler({
        operations: new ConsoleOperations(operationsDeps),
        workstations: new WorkstationAdmin({
          ...operationsDeps,
          // An external broker checks its own password file: nothing to close here.
          disconnect: (ref) =>
            embedded === null
              ? null
              : embedded.disconnect(
                  (principal) =>
                    principal.kind !== "coordinator" &&
                    principal.store === ref.store &&
                    principal.workstation === ref.workstation,
                ),
          forget: (key) => collector.presence.forget(key),
        }),
        packAdmin: new PackAdmin(operationsDeps),
        packs,
        operatorToken: data.operatorToken,
        uploadDir,
        maxUploadBytes: packs.limits.maxBytes,
        metrics: () =>
          renderMetrics({
            fleet: fleet.table,
            workstations: Object.keys(state.state.workstations).length,
            loop,
            statusReports: collector.reportsApplied,
            online: collector.presence.onlineCount(),
          }),
        log,
      }),
    );
    closers.unshift(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    closers.push(() => fleet.close());
    const httpUrl = `http://${host}:${httpPort}`;
    log(
      `coordinator: http ${httpUrl}, mqtt ${agentBrokerUrl}, data ${data.dir}, operator token ${data.tokenPath}`,
    );
    return new Coordinator(httpUrl, agentBrokerUrl, data.dir, closers);
  }

  async stop(): Promise<void> {
    for (const close of this.closers) await close().catch(() => undefined);
  }
}

function stripCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = "";
  parsed.password = "";
  return parsed.toString().replace(/\/$/, "");
}
