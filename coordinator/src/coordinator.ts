import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { join } from "node:path";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import {
  DEFAULT_TOPIC_ROOT,
  decodePayload,
  fleetFilter,
  parseTopic,
  topicFor,
} from "@tillroll/protocol";
import mqtt, { type MqttClient } from "mqtt";
import { openAccounts } from "./accounts/open-accounts.js";
import type { ScryptParams } from "./accounts/secrets.js";
import { type EmbeddedBroker, startEmbeddedBroker } from "./broker/embedded-broker.js";
import { createPrincipalLookup } from "./broker/principal-lookup.js";
import {
  mosquittoPasswordLine,
  mosquittoUsernameProblem,
} from "./broker-config/mosquitto-password.js";
import { DesiredPublisher } from "./desired/desired-publisher.js";
import { rowKey, type ServiceRow } from "./fleet/service-row.js";
import { createApiHandler } from "./http/api-server.js";
import { InstallLogIngest } from "./ingest/install-log.js";
import { readRetained } from "./ingest/read-retained.js";
import { StatusCollector } from "./ingest/status-collector.js";
import { LiveHub, type LiveLimits } from "./live/live-hub.js";
import { ObservedFleetRows } from "./live/observed-fleet-rows.js";
import { pageRowMaker } from "./live/page-row.js";
import { RowFeed } from "./live/row-feed.js";
import { LoopDelayMonitor, renderMetrics } from "./metrics.js";
import type { Sleep } from "./notices/delivery-worker.js";
import type { MailSettings } from "./notices/mail-sender.js";
import type { NoticePublisher } from "./notices/notice-model.js";
import type { NoticeService } from "./notices/notice-service.js";
import { openNotices } from "./notices/open-notices.js";
import { applyDesired } from "./operations/apply-desired.js";
import { mosquittoAccounts } from "./operations/broker-accounts.js";
import { ConsoleOperations, type OperationsDeps } from "./operations/console-operations.js";
import { offeredPacks } from "./operations/operations-deps.js";
import { PackAdmin } from "./operations/pack-admin.js";
import { releasePosSession } from "./operations/pos-session-release.js";
import { RecipeOperations } from "./operations/recipe-operations.js";
import { ReleaseOperations } from "./operations/release-operations.js";
import { ScheduleOperations } from "./operations/schedule-operations.js";
import { WorkstationAdmin } from "./operations/workstation-admin.js";
import { removeUploadLeftovers } from "./packs/upload-leftovers.js";
import { recipeSource } from "./recipes/recipe-source.js";
import type { ReleaseConsole } from "./releases/release-console.js";
import { ReleaseRunner } from "./releases/release-runner.js";
import { ScheduleMemory } from "./schedules/schedule-memory.js";
import type { ScheduledTasks, ScheduleFacts } from "./schedules/schedule-model.js";
import { openDataDir } from "./setup/data-dir.js";
import { explainListenError } from "./setup/startup-error.js";
import { loadCoordinatorTls, type TlsChoice } from "./setup/tls-setup.js";
import { wsKey } from "./state/coordinator-state.js";
import type { InstallLogRetention } from "./store/install-log-store.js";
import { JsonInstallLogs } from "./store/json/json-install-logs.js";
import { JsonCoordinatorStore } from "./store/json/json-store.js";
import type { TlsMaterial } from "./tls/certificates.js";
import { tlsServerOptions } from "./tls/tls-listener.js";

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
  /**
   * Serve MQTT (embedded broker) on mqttPort and HTTP on httpPort over TLS,
   * with the generated or the operator's certificate; agents get mqtts://
   * and https:// URLs and the CA.
   */
  tls?: TlsChoice | undefined;
  /** With `tls`: plain-text listeners as well (--allow-plaintext), on these ports. */
  plaintext?: { mqttPort: number; httpPort: number } | undefined;
  log?: (message: string) => void;
  now?: () => number;
  /**
   * The wait between a notice's delivery retries (notices/delivery-worker.ts);
   * absent: real time. For tests that run virtual time, like `now`.
   */
  sleep?: Sleep;
  /** Session cookies get `Secure` (set when serving HTTPS). */
  secureCookies?: boolean;
  /** Operator password hashing; tests pass cheap parameters, production keeps the default. */
  passwordParams?: ScryptParams;
  /**
   * Issue 11: what a new blackout cancels (the releases side) and where
   * blackout notices go (the notices outbox). Absent: nothing is cancelled,
   * no notice is sent.
   */
  scheduledTasks?: ScheduledTasks;
  /** Overrides the notice service as the publisher (tests). */
  notices?: NoticePublisher;
  /** E-mail notices (`--smtp URL --mail-from ADDR`); absent: notices go to webhooks only. */
  mail?: MailSettings | undefined;
  /** The console's live streams' bounds and clocks (issue 12); tests shorten the heartbeat. */
  live?: Partial<LiveLimits>;
  /** The built web console served at `/` (issue 12); default: dist/web beside the built code. */
  webDir?: string;
  /** Install logs kept per row and for how long (`--install-log-lines`, `--install-log-days`). */
  installLogRetention?: Partial<InstallLogRetention>;
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
    /** Release tasks (issue 10), for the HTTP layer and in-process callers. */
    readonly releases: ReleaseConsole,
    /** Windows, store settings and blackouts as stored (issue 11): what releases read. */
    readonly schedules: ScheduleFacts,
    /** Notices (issue 11): releases and schedules publish through it (a NoticePublisher). */
    readonly notices: NoticeService,
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
    // Operators, roles and sessions (issue 9): DATA/operator-token is the platform admin's token.
    const accounts = await openAccounts({
      dataDir: data.dir,
      operatorToken: data.operatorToken,
      now,
      log,
      passwordParams: options.passwordParams,
    });
    const closers: (() => Promise<void>)[] = [];
    // Schedules (issue 11): windows and blackouts releases read synchronously, kept current
    // by the schedule operations after each durable change.
    const schedules = new ScheduleMemory(await store.schedules.read());
    // Notices (issue 11): the durable outbox, webhooks and mail; delivery starts at once
    // (what a crash cut off goes out first), publishers get `notices` (a NoticePublisher).
    const notices = await openNotices({
      dataDir: data.dir,
      mail: options.mail,
      directory: accounts.directory,
      schedule: schedules,
      storeGroups: () =>
        new Map(Object.values(state.state.workstations).map((ws) => [ws.store, ws.group])),
      audit: store.audit,
      now,
      log,
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    });
    closers.push(() => notices.close());
    const material =
      options.tls === undefined
        ? null
        : await loadCoordinatorTls(options.tls, {
            dataDir: data.dir,
            publicHost: options.publicHost,
            agentHost: options.publicHost ?? host,
            now,
            log,
          });
    const plaintext = material === null ? undefined : options.plaintext;

    // The agents' install logs (the `log` topic), kept under DATA/install-logs/. With the
    // embedded broker a line is kept before its PUBACK, so the agent's outbox lets it go
    // only once it is stored here.
    const installLogs = new JsonInstallLogs({
      dir: join(data.dir, "install-logs"),
      retention: options.installLogRetention,
      now,
      log,
    });
    const installLog = new InstallLogIngest(installLogs);
    // Retention by days for rows no line reaches any more: at start (in the background) and
    // every 6 hours.
    const sweepInstallLogs = () =>
      void installLogs
        .sweep()
        .catch((error: Error) => log(`install logs not swept: ${error.message}`));
    sweepInstallLogs();
    const sweepTimer = setInterval(sweepInstallLogs, 6 * 3_600_000);
    sweepTimer.unref();
    closers.push(async () => clearInterval(sweepTimer));
    let broker: EmbeddedBroker | null = null;
    let clientUrl: string;
    let clientAuth: { username?: string; password?: string } = {};
    if (options.brokerUrl === undefined) {
      broker = await startEmbeddedBroker({
        host,
        port: options.mqttPort,
        tls: material === null ? undefined : tlsServerOptions(material),
        plainPort: plaintext?.mqttPort,
        topicRoot,
        log,
        lookupPrincipal: createPrincipalLookup((ref) => state.state.workstations[wsKey(ref)]),
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
          ? explainListenError(error, "--plain-mqtt-port", host, plaintext?.mqttPort ?? 0)
          : explainListenError(error, "--mqtt-port", host, options.mqttPort);
      });
      clientUrl = broker.url;
      clientAuth = { ...broker.coordinatorCredentials };
      closers.push(() => broker?.close() ?? Promise.resolve());
    } else {
      clientUrl = options.brokerUrl;
    }
    // After the broker: no line arrives any more while the last writes finish.
    closers.push(() => installLogs.close());

    const client: MqttClient = await mqtt.connectAsync(clientUrl, {
      clientId: `tillroll-coordinator-${process.pid}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      ...clientAuth,
      ...(material === null ? {} : ownBrokerTls(material)),
    });
    closers.unshift(() => client.endAsync().then(() => undefined));
    // Issue 12: every row write (status, console, releases, removals) and every presence
    // flip tells the feed which rows changed; the console's live streams listen to it.
    const feed = new RowFeed();
    const fleetRows = new ObservedFleetRows(store.fleet, feed);
    // Status reports reach the release runner, made once the publisher it sends through exists.
    let onRows: (rows: readonly ServiceRow[]) => void = () => undefined;
    const collector = new StatusCollector(
      topicRoot,
      { workstations: store.workstations, desired: store.desired, fleet: fleetRows },
      now,
      log,
      {
        onRows: (rows) => onRows(rows),
        onPresence: (key) => {
          const [wsStore = "", workstation = ""] = key.split("/");
          feed.emit(fleet.table.rowsOfWorkstation(wsStore, workstation).map((row) => rowKey(row)));
        },
        // An external broker: lines come through the subscription (kept after the PUBACK).
        onLog: (wsStore, workstation, payload) =>
          installLog.onMessage(wsStore, workstation, payload),
      },
    );
    // Issue 11: what each agent understood when last heard, until it says again.
    for (const ws of await store.workstations.list())
      if (ws.capabilities !== undefined)
        collector.presence.restoreCapabilities(wsKey(ws), ws.capabilities);
    client.on("message", (topic, payload) => collector.onMessage(topic, payload));
    await client.subscribeAsync(
      [
        fleetFilter("status", topicRoot),
        fleetFilter("presence", topicRoot),
        // The embedded broker hands log lines over before acknowledging them (beforeAck).
        ...(broker === null ? [fleetFilter("log", topicRoot)] : []),
      ],
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
      log,
    );
    // Sends queued after an answer go out before the broker connection closes.
    closers.unshift(() => desired.settle(5000));
    const republished = await desired.republishAll();
    log(`republished ${republished} desired document(s)`);

    const publicHost = options.publicHost ?? host;
    const mqttPort = broker?.port ?? options.mqttPort;
    const agentBrokerUrl =
      options.brokerUrl === undefined
        ? `${material === null ? "mqtt" : "mqtts"}://${publicHost}:${mqttPort}`
        : stripCredentials(options.brokerUrl);
    // Only a hash of the --broker account's secret is ever handed out.
    const externalAccount = brokerAccountLine(options.brokerUrl);
    const loop = new LoopDelayMonitor();
    closers.push(async () => loop.stop());
    // Listen first: pack URLs in desired documents need the real port (0 picks one).
    const server: Server =
      material === null ? createServer() : createHttpsServer(tlsServerOptions(material));
    const plainServer = plaintext === undefined ? null : createServer();
    const httpPort = await listenHttp(server, options.httpPort, host, "--http-port", closers);
    if (plainServer !== null && plaintext !== undefined) {
      closers.unshift(() => closeHttp(server));
      await listenHttp(plainServer, plaintext.httpPort, host, "--plain-http-port", closers);
      closers.shift();
    }
    // Issue 13: what agents understand (presence), and the recipes new requests carry.
    const capabilitiesOf = (wsStore: string, workstation: string) =>
      collector.presence.capabilitiesOf(wsKey({ store: wsStore, workstation }));
    const recipes = recipeSource(store.recipes, capabilitiesOf);
    const applyDeps = {
      workstations: store.workstations,
      desiredState: store.desired,
      fleet: fleetRows,
      packs: store.packs,
      desired,
      packBaseUrl: `${material === null ? "http" : "https"}://${publicHost}:${httpPort}`,
      now,
      isOnline: (key: string) => collector.presence.isOnline(key),
      recipes,
    };
    // Release tasks (issue 10): the runner plans, saves, then sends through the one applier.
    const runner = new ReleaseRunner({
      releases: store.releases,
      fleet: fleetRows,
      desiredState: store.desired,
      packsOf: (fn) => offeredPacks(store, fn),
      apply: (changes) => applyDesired(applyDeps, changes),
      now,
      log,
      // Issue 11: windows and blackouts, notices, what each agent understands.
      scheduleFacts: schedules,
      notices: options.notices ?? notices,
      capabilitiesOf: (store, workstation) =>
        collector.presence.capabilitiesOf(wsKey({ store, workstation })),
    });
    onRows = (rows) => runner.onRows(rows);
    closers.unshift(() => runner.close());
    const operationsDeps: OperationsDeps = {
      workstations: store.workstations,
      desiredState: store.desired,
      fleet: fleetRows,
      packs: store.packs,
      audit: store.audit,
      desired,
      publicKey: data.publicKey,
      nextPublicKey: data.nextPublicKey,
      agentBrokerUrl,
      packBaseUrl: applyDeps.packBaseUrl,
      caPem: material?.caPem ?? null,
      now,
      isOnline: (key) => collector.presence.isOnline(key),
      lastReport: (key) => collector.lastReport(key),
      releaseHolding: (key) => runner.holding(key),
      scheduledMarks: () => runner.scheduledMarks(),
      schedules,
      recipes,
    };
    // The console's release tasks, served by the /api/releases routes.
    const releases: ReleaseConsole = new ReleaseOperations({
      releases: store.releases,
      runner,
      audit: store.audit,
      now,
    });
    const scheduleConsole = new ScheduleOperations({
      schedules: store.schedules,
      memory: schedules,
      workstations: store.workstations,
      tasks: options.scheduledTasks ?? runner,
      notices: options.notices ?? notices,
      audit: store.audit,
      now,
      log,
    });
    // The console's live streams (issue 12): fed by `feed`, rows read from the table as stored.
    const hub = new LiveHub({
      feed,
      rows: fleet.table,
      pageRows: (functions) =>
        pageRowMaker(
          {
            isOnline: (key) => collector.presence.isOnline(key),
            lastReport: (key) => collector.lastReport(key),
            scheduledMarks: () => runner.scheduledMarks(),
            packsOf: (fn) => offeredPacks(store, fn),
            schedules,
            recipes,
          },
          functions,
        ),
      log,
      ...(options.live === undefined ? {} : { limits: options.live }),
    });
    const handler = createApiHandler({
      ...(options.webDir === undefined ? {} : { webDir: options.webDir }),
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
        forget: (key) => {
          collector.presence.forget(key);
          const [wsStore = "", workstation = ""] = key.split("/");
          installLogs
            .forgetWorkstation(wsStore, workstation)
            .catch((error: Error) => log(`install log of ${key} not removed: ${error.message}`));
        },
      }),
      packAdmin: new PackAdmin(operationsDeps),
      recipes: new RecipeOperations({
        ...operationsDeps,
        recipeStore: store.recipes,
        capabilitiesOf,
        log,
      }),
      releases,
      schedules: scheduleConsole,
      notices,
      packs,
      // Session cookies are Secure whenever the console is served over HTTPS.
      accounts: {
        ...accounts,
        audit: store.audit,
        now,
        secureCookies: options.secureCookies ?? material !== null,
      },
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
      mosquittoAccounts: async () =>
        mosquittoAccounts(
          Object.fromEntries((await store.workstations.list()).map((ws) => [wsKey(ws), ws])),
          {
            topicRoot,
            coordinator: externalAccount,
            tls:
              material === null
                ? null
                : {
                    caFile: material.caPath,
                    certFile: material.certPath,
                    keyFile: material.keyPath,
                  },
          },
        ),
      // Issue 13: the session seq is read from the broker's retained session document.
      posSessionRelease: (request, who) =>
        releasePosSession(
          {
            ...operationsDeps,
            release: (id) => store.releases.get(id),
            capabilitiesOf: (key) => collector.presence.capabilitiesOf(key),
            sessionSeqOf: async (ref) => {
              const payload = await readRetained(client, topicFor("session", ref, topicRoot));
              const decoded = payload === null ? null : decodePayload("session", payload);
              return decoded?.ok === true ? decoded.value.seq : null;
            },
          },
          request,
          who,
        ),
      live: {
        hub,
        installLog: installLogs,
        groupOf: async (ref) => (await store.workstations.get(ref))?.group,
      },
      log,
    });
    // Issue 11 (transactional outbox): notices a stop between a stored change and its
    // publish left owed go out before any request or plan can publish anything.
    await scheduleConsole.publishPendingNotices();
    await runner.publishPendingNotices();
    server.on("request", handler);
    plainServer?.on("request", handler);
    closers.unshift(() => closeHttp(server));
    if (plainServer !== null) closers.unshift(() => closeHttp(plainServer));
    // Streams end first: an open event stream would keep server.close() waiting.
    closers.unshift(() => hub.close());
    closers.push(() => fleet.close());
    // After the handler is attached (requests during a long start are answered, and an
    // operation on a release waits in its chain): re-applies sends a crash cut off, plans.
    await runner.start();
    await scheduleConsole.cancelLeftovers();
    notices.start();
    const httpUrl = `${material === null ? "http" : "https"}://${host}:${httpPort}`;
    log(
      `coordinator: http ${httpUrl}, mqtt ${agentBrokerUrl}, data ${data.dir}, operator token ${data.tokenPath}`,
    );
    return new Coordinator(
      httpUrl,
      agentBrokerUrl,
      data.dir,
      closers,
      releases,
      schedules,
      notices,
    );
  }

  async stop(): Promise<void> {
    for (const close of this.closers) await close().catch(() => undefined);
  }
}

/** Listens; on failure closes what started (so the process can end) and explains. */
function listenHttp(
  server: Server,
  port: number,
  host: string,
  flag: "--http-port" | "--plain-http-port",
  closers: (() => Promise<void>)[],
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once("error", (error) => {
      Promise.all(closers.map((close) => close().catch(() => undefined))).finally(() =>
        reject(explainListenError(error, flag, host, port)),
      );
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}

function closeHttp(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
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

/** The Mosquitto password line of the --broker URL's account, if it has one. */
function brokerAccountLine(
  brokerUrl: string | undefined,
): { username: string; passwordLine: string } | null {
  if (brokerUrl === undefined) return null;
  const parsed = new URL(brokerUrl);
  const username = decodeURIComponent(parsed.username);
  if (username === "" || mosquittoUsernameProblem(username) !== null) return null;
  return {
    username,
    passwordLine: mosquittoPasswordLine(username, decodeURIComponent(parsed.password)),
  };
}

function stripCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = "";
  parsed.password = "";
  return parsed.toString().replace(/\/$/, "");
}
