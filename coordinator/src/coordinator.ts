import { join } from "node:path";
import { DEFAULT_TOPIC_ROOT } from "@tillroll/protocol";
import { openAccounts } from "./accounts/open-accounts.js";
import type { ScryptParams } from "./accounts/secrets.js";
import { wireApi } from "./daemon/api-wiring.js";
import { brokerAccountLine, stripCredentials } from "./daemon/broker-urls.js";
import type { Closers } from "./daemon/closers.js";
import { closeHttp, listenServers } from "./daemon/http-listen.js";
import { scheduleInstallLogSweep } from "./daemon/install-log-sweep.js";
import { connectMqtt } from "./daemon/mqtt-link.js";
import { wireOperations } from "./daemon/operations-wiring.js";
import { startStatusIngest } from "./daemon/status-ingest.js";
import { DesiredPublisher } from "./desired/desired-publisher.js";
import type { ServiceRow } from "./fleet/service-row.js";
import { InstallLogIngest } from "./ingest/install-log.js";
import { retainedSweepDuty } from "./ingest/retained-sweep.js";
import type { LiveLimits } from "./live/live-hub.js";
import { ObservedFleetRows } from "./live/observed-fleet-rows.js";
import { RowFeed } from "./live/row-feed.js";
import { LoopDelayMonitor } from "./metrics.js";
import type { Sleep } from "./notices/delivery-worker.js";
import type { MailSettings } from "./notices/mail-sender.js";
import type { NoticePublisher } from "./notices/notice-model.js";
import type { NoticeService } from "./notices/notice-service.js";
import { openNotices } from "./notices/open-notices.js";
import { removeUploadLeftovers } from "./packs/upload-leftovers.js";
import type { ReleaseConsole } from "./releases/release-console.js";
import { coordinatorDuties } from "./replicas/coordinator-duties.js";
import { chooseIngestMode } from "./replicas/ingest-filters.js";
import { type Leadership, startLeadership } from "./replicas/leadership.js";
import { ScheduleMemory } from "./schedules/schedule-memory.js";
import type { ScheduledTasks, ScheduleFacts } from "./schedules/schedule-model.js";
import { openDataDir } from "./setup/data-dir.js";
import { StartupError } from "./setup/startup-error.js";
import { loadCoordinatorTls, type TlsChoice } from "./setup/tls-setup.js";
import type { InstallLogRetention } from "./store/install-log-store.js";
import { openStore } from "./store/open-store.js";

export interface CoordinatorOptions {
  dataDir: string;
  /**
   * `--database postgres://…`: the store is kept in PostgreSQL (pack bytes
   * stay in `DATA/packs/`); undefined: the JSON files of the data folder.
   */
  database?: string | undefined;
  /** Address the broker and HTTP server listen on. */
  host?: string;
  mqttPort: number;
  httpPort: number;
  /** External broker (`mqtt://user:pass@host:port`); the embedded one is not started. */
  brokerUrl?: string | undefined;
  /**
   * `--replica-group NAME` (issue 14): with `brokerUrl` and `database`, the shared
   * subscription group of the replicas (`$share/NAME/...`); default "tillroll".
   */
  replicaGroup?: string | undefined;
  /**
   * `--pack-base-url URL` (issue 14): agents download packs from
   * `URL/packs/<sha256>.tgz` (a server or CDN every replica's agents reach)
   * instead of from this coordinator; normalised, without a trailing slash.
   */
  packBaseUrl?: string | undefined;
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
  /**
   * Issue 14: how long a follower waits for the leader to carry out a release command
   * before it refuses it (503); default 10 s. Tests shorten it.
   */
  commandTimeoutMs?: number;
  /** The built web console served at `/` (issue 12); default: dist/web beside the built code. */
  webDir?: string;
  /** Install logs kept per row and for how long (`--install-log-lines`, `--install-log-days`). */
  installLogRetention?: Partial<InstallLogRetention>;
}

/**
 * The coordinator daemon: broker (embedded or external), store, status
 * collector, desired publisher and the HTTP API, wired together (the pieces
 * in daemon/). All state is in the instance, so tests can run several.
 */
export class Coordinator {
  private constructor(
    readonly httpUrl: string,
    readonly brokerUrl: string,
    readonly dataDir: string,
    private readonly closers: Closers,
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
    // Issue 14: how reports come in (replicas share them); a bad --replica-group changes nothing.
    const ingestMode = chooseIngestMode({
      externalBroker: options.brokerUrl !== undefined,
      database: options.database !== undefined,
      replicaGroup: options.replicaGroup,
    });
    if (!ingestMode.ok) throw new StartupError(ingestMode.error);
    const data = await openDataDir(options.dataDir);
    for (const note of data.created) log(note);
    // JSON files in the data folder, or PostgreSQL with --database: only through the interfaces.
    const store = await openStore({
      dataDir: data.dir,
      database: options.database,
      now,
      log,
      installLogs: options.installLogRetention,
    });
    const uploadDir = join(data.dir, "uploads");
    await removeUploadLeftovers(uploadDir, log);
    // Operators, roles and sessions (issue 9): DATA/operator-token is the platform admin's token.
    const accounts = await openAccounts({
      operators: store.operators,
      sessions: store.webSessions,
      operatorToken: data.operatorToken,
      now,
      log,
      passwordParams: options.passwordParams,
    });
    const closers: Closers = [];
    // Schedules (issue 11): windows and blackouts releases read synchronously, kept current
    // by the schedule operations after each durable change.
    const schedules = new ScheduleMemory(await store.schedules.read());
    // Notices (issue 11): the durable outbox, webhooks and mail; delivery starts at once
    // (what a crash cut off goes out first), publishers get `notices` (a NoticePublisher).
    const notices = await openNotices({
      outbox: store.outbox,
      webhooks: store.webhooks,
      mail: options.mail,
      directory: accounts.directory,
      schedule: schedules,
      storeGroups: () => store.workstations.storeGroups(),
      audit: store.audit,
      now,
      log,
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    });
    closers.push(() => notices.close());
    // Issue 14: notices another replica added (a follower's publish) go out from the
    // leader's workers; on a follower (not started) this wakes nothing.
    store.onRemoteMirror?.((mirror) => {
      if (mirror === "outbox") notices.wakePending();
      // An operator added, reset or removed on another replica: known here too.
      if (mirror === "operators")
        accounts.directory.reload().catch((error: unknown) => {
          log(
            `operators: cannot read them again (${error instanceof Error ? error.message : String(error)})`,
          );
        });
    });
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

    // The agents' install logs (the `log` topic), kept by the store.
    const installLog = new InstallLogIngest(store.installLogs);
    scheduleInstallLogSweep(store.installLogs, log, closers);
    const mqtt = await connectMqtt(
      {
        host,
        mqttPort: options.mqttPort,
        plainMqttPort: plaintext?.mqttPort,
        brokerUrl: options.brokerUrl,
        topicRoot,
        material,
        workstations: store.workstations,
        installLog,
        log,
      },
      closers,
      // After the broker: no line arrives any more while the last writes finish.
      () => store.close(),
    );
    // Issue 12: every row write (status, console, releases, removals) and every presence
    // flip tells the feed which rows changed; the console's live streams listen to it.
    const feed = new RowFeed();
    const fleetRows = new ObservedFleetRows(store.fleet, feed);
    // Status reports reach the release runner, made once the publisher it sends through exists.
    let onRows: (rows: readonly ServiceRow[]) => void = () => undefined;
    // Issue 14: rows other replicas changed (reports they ingested, their console writes)
    // reach this replica's console streams, and its release runner when it leads.
    store.onRemoteRows?.((keys) => {
      feed.emit(keys);
      const rows = keys.flatMap((key) => store.fleet.table.get(key) ?? []);
      if (rows.length > 0) onRows(rows);
    });
    const collector = await startStatusIngest({
      client: mqtt.client,
      ingestMode: ingestMode.value,
      topicRoot,
      store,
      fleetRows,
      feed,
      installLog,
      onRows: (rows) => onRows(rows),
      now,
      log,
    });
    const desired = new DesiredPublisher(
      mqtt.publishRetained,
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
    const mqttPort = mqtt.broker?.port ?? options.mqttPort;
    const agentBrokerUrl =
      options.brokerUrl === undefined
        ? `${material === null ? "mqtt" : "mqtts"}://${publicHost}:${mqttPort}`
        : stripCredentials(options.brokerUrl);
    const loop = new LoopDelayMonitor();
    closers.push(async () => loop.stop());
    // Listen first: pack URLs in desired documents need the real port (0 picks one).
    const { server, plainServer, httpPort } = await listenServers(
      { host, httpPort: options.httpPort, material, plainHttpPort: plaintext?.httpPort },
      closers,
    );
    // Release tasks (issue 10), the console's operations, schedules (issue 11), recipes (13).
    const operations = wireOperations({
      store,
      fleetRows,
      desired,
      collector,
      schedules,
      notices: options.notices ?? notices,
      scheduledTasks: options.scheduledTasks,
      publicKey: data.publicKey,
      nextPublicKey: data.nextPublicKey,
      agentBrokerUrl,
      // Issue 14: replicas may send agents to one shared server or CDN for packs.
      packBaseUrl:
        options.packBaseUrl ??
        `${material === null ? "http" : "https"}://${publicHost}:${httpPort}`,
      caPem: material?.caPem ?? null,
      now,
      log,
      commandTimeoutMs: options.commandTimeoutMs,
    });
    const { terms, scheduleConsole, holds } = operations;
    onRows = (rows) => terms.onRows(rows);
    // Issue 14: a follower knows which rows the active releases hold (set-preferred, retry
    // refuse them as on the leader), read again whenever another replica saves a release.
    if (holds !== null) {
      await holds.reload();
      store.onRemoteMirror?.((mirror, id) => {
        if (mirror !== "releases" || terms.leading) return;
        void (id === undefined ? holds.reload() : holds.reloadOne(id));
      });
    }
    // Issue 14: the leader-only duties stop here in the order (the runner's place), then the
    // runner in any case (closing it twice is harmless): a follower never started it, but a
    // console request may have armed a timer on it.
    let leadership: Leadership | null = null;
    closers.unshift(async () => {
      await leadership?.close();
      await terms.current.close();
    });
    const { hub, handler } = wireApi({
      store,
      operations,
      collector,
      feed,
      schedules,
      notices,
      accounts,
      mqtt,
      topicRoot,
      material,
      externalAccount: brokerAccountLine(options.brokerUrl),
      uploadDir,
      loop,
      secureCookies: options.secureCookies ?? material !== null,
      webDir: options.webDir,
      live: options.live,
      now,
      log,
    });
    // Issue 11 (transactional outbox): notices a stop between a stored change and its
    // publish left owed go out before any request or plan can publish anything.
    await scheduleConsole.publishPendingNotices();
    // Issue 14: among replicas only the leader writes release records: its runner's start
    // publishes them (first thing in each term); a follower leaves them alone.
    if (holds === null) await terms.current.publishPendingNotices();
    server.on("request", handler);
    plainServer?.on("request", handler);
    closers.unshift(() => closeHttp(server));
    if (plainServer !== null) closers.unshift(() => closeHttp(plainServer));
    // Streams end first: an open event stream would keep server.close() waiting.
    closers.unshift(() => hub.close());
    // After the handler is attached (requests during a long start are answered, and an
    // operation on a release waits in its chain): re-applies sends a crash cut off, plans.
    // Issue 14: runner, blackout cancels, notices delivery: the leader's. With the JSON store
    // they start now as before; with --database when this replica holds the leader lease.
    leadership = await startLeadership({
      database: options.database,
      duties: [
        // Replicas: reports a killed replica took and never wrote, read again from the broker.
        ...(ingestMode.value.kind === "replica"
          ? [retainedSweepDuty(mqtt.client, topicRoot, log)]
          : []),
        ...coordinatorDuties({
          // A term's end: the follower's view of held rows is read again (it was not kept up).
          runner: {
            begin: () => terms.begin(),
            end: async () => {
              await terms.end();
              await holds?.reload();
            },
          },
          scheduleConsole,
          notices,
          commands: operations.commandServer ?? undefined,
        }),
      ],
      log,
    });
    const httpUrl = `${material === null ? "http" : "https"}://${host}:${httpPort}`;
    log(
      `coordinator: http ${httpUrl}, mqtt ${agentBrokerUrl}, data ${data.dir}, operator token ${data.tokenPath}`,
    );
    return new Coordinator(
      httpUrl,
      agentBrokerUrl,
      data.dir,
      closers,
      operations.releases,
      schedules,
      notices,
    );
  }

  async stop(): Promise<void> {
    for (const close of this.closers) await close().catch(() => undefined);
  }
}
