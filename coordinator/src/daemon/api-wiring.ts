import { decodePayload, topicFor } from "@tillroll/protocol";
import type { Accounts } from "../accounts/open-accounts.js";
import type { EmbeddedBroker } from "../broker/embedded-broker.js";
import { createApiHandler } from "../http/api-server.js";
import { readRetained } from "../ingest/read-retained.js";
import type { StatusCollector } from "../ingest/status-collector.js";
import { LiveHub, type LiveLimits } from "../live/live-hub.js";
import { pageRowMaker } from "../live/page-row.js";
import type { RowFeed } from "../live/row-feed.js";
import { type LoopDelayMonitor, renderMetrics } from "../metrics.js";
import type { NoticeService } from "../notices/notice-service.js";
import { mosquittoAccounts } from "../operations/broker-accounts.js";
import { ConsoleOperations } from "../operations/console-operations.js";
import { offeredPacks } from "../operations/operations-deps.js";
import { PackAdmin } from "../operations/pack-admin.js";
import { releasePosSession } from "../operations/pos-session-release.js";
import { RecipeOperations } from "../operations/recipe-operations.js";
import { WorkstationAdmin } from "../operations/workstation-admin.js";
import type { ScheduleMemory } from "../schedules/schedule-memory.js";
import { wsKey } from "../state/coordinator-state.js";
import type { CoordinatorStore } from "../store/coordinator-store.js";
import type { TlsMaterial } from "../tls/certificates.js";
import type { MqttLink } from "./mqtt-link.js";
import type { OperationsWiring } from "./operations-wiring.js";

export interface ApiWiringOptions {
  readonly store: CoordinatorStore;
  readonly operations: OperationsWiring;
  readonly collector: StatusCollector;
  readonly feed: RowFeed;
  readonly schedules: ScheduleMemory;
  readonly notices: NoticeService;
  readonly accounts: Accounts;
  readonly mqtt: MqttLink;
  readonly topicRoot: string;
  readonly material: TlsMaterial | null;
  /** The --broker account's Mosquitto line (only its hash is ever handed out); null: none. */
  readonly externalAccount: { username: string; passwordLine: string } | null;
  readonly uploadDir: string;
  readonly loop: LoopDelayMonitor;
  readonly secureCookies: boolean;
  readonly webDir: string | undefined;
  readonly live: Partial<LiveLimits> | undefined;
  readonly now: () => number;
  readonly log: (message: string) => void;
}

/**
 * The console's live streams (issue 12) and the HTTP API's request handler
 * over the operations and the store. The hub is returned so it is closed
 * first: an open event stream would keep the server's close waiting.
 */
export function wireApi(options: ApiWiringOptions) {
  const { store, operations, collector, schedules, now, log } = options;
  const { operationsDeps, recipes } = operations;
  const embedded: EmbeddedBroker | null = options.mqtt.broker;
  // Rows are read from the store's table as stored, fed by `feed`.
  const hub = new LiveHub({
    feed: options.feed,
    rows: store.fleet.table,
    pageRows: (functions) =>
      pageRowMaker(
        {
          isOnline: (key) => collector.presence.isOnline(key),
          lastReport: (key) => collector.lastReport(key),
          // Issue 14: the current term's runner, or a follower's view of the releases.
          scheduledMarks: operationsDeps.scheduledMarks,
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
        store.installLogs
          .forgetWorkstation(wsStore, workstation)
          .catch((error: Error) => log(`install log of ${key} not removed: ${error.message}`));
      },
    }),
    packAdmin: new PackAdmin(operationsDeps),
    recipes: new RecipeOperations({
      ...operationsDeps,
      recipeStore: store.recipes,
      capabilitiesOf: operations.capabilitiesOf,
      log,
    }),
    releases: operations.releases,
    schedules: operations.scheduleConsole,
    notices: options.notices,
    packs: store.packs.downloads,
    // Session cookies are Secure whenever the console is served over HTTPS.
    accounts: {
      ...options.accounts,
      audit: store.audit,
      now,
      secureCookies: options.secureCookies,
    },
    uploadDir: options.uploadDir,
    maxUploadBytes: store.packs.maxBytes,
    metrics: () =>
      renderMetrics({
        fleet: store.fleet.table,
        workstations: store.workstations.count(),
        loop: options.loop,
        statusReports: collector.reportsApplied,
        online: collector.presence.onlineCount(),
      }),
    mosquittoAccounts: async () => mosquittoAccountsOf(options),
    // Issue 13: the session seq is read from the broker's retained session document.
    posSessionRelease: (request, who) =>
      releasePosSession(
        {
          ...operationsDeps,
          release: (id) => store.releases.get(id),
          capabilitiesOf: (key) => collector.presence.capabilitiesOf(key),
          sessionSeqOf: async (ref) => {
            const topic = topicFor("session", ref, options.topicRoot);
            const payload = await readRetained(options.mqtt.client, topic);
            const decoded = payload === null ? null : decodePayload("session", payload);
            return decoded?.ok === true ? decoded.value.seq : null;
          },
        },
        request,
        who,
      ),
    live: {
      hub,
      installLog: store.installLogs,
      groupOf: async (ref) => (await store.workstations.get(ref))?.group,
    },
    log,
  });
  return { hub, handler };
}

/** GET /api/broker-config/mosquitto: every workstation's account for an external Mosquitto. */
async function mosquittoAccountsOf(options: ApiWiringOptions) {
  const { material } = options;
  return mosquittoAccounts(
    Object.fromEntries((await options.store.workstations.list()).map((ws) => [wsKey(ws), ws])),
    {
      topicRoot: options.topicRoot,
      coordinator: options.externalAccount,
      tls:
        material === null
          ? null
          : { caFile: material.caPath, certFile: material.certPath, keyFile: material.keyPath },
    },
  );
}
