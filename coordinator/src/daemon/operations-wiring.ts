import type { DesiredPublisher } from "../desired/desired-publisher.js";
import type { StatusCollector } from "../ingest/status-collector.js";
import type { NoticePublisher } from "../notices/notice-model.js";
import { applyDesired } from "../operations/apply-desired.js";
import type { OperationsDeps } from "../operations/console-operations.js";
import { offeredPacks } from "../operations/operations-deps.js";
import { ReleaseOperations } from "../operations/release-operations.js";
import { ScheduleOperations } from "../operations/schedule-operations.js";
import { type RecipeSource, recipeSource } from "../recipes/recipe-source.js";
import type { ReleaseConsole } from "../releases/release-console.js";
import { ReleaseRunner } from "../releases/release-runner.js";
import type { ScheduleMemory } from "../schedules/schedule-memory.js";
import type { ScheduledTasks } from "../schedules/schedule-model.js";
import { wsKey } from "../state/coordinator-state.js";
import type { CoordinatorStore } from "../store/coordinator-store.js";
import type { FleetRows } from "../store/fleet-rows.js";

export interface OperationsWiringOptions {
  readonly store: CoordinatorStore;
  /** The store's fleet rows, wrapped so every write tells the live feed. */
  readonly fleetRows: FleetRows;
  readonly desired: DesiredPublisher;
  readonly collector: StatusCollector;
  readonly schedules: ScheduleMemory;
  /** Where releases and schedules publish notices. */
  readonly notices: NoticePublisher;
  /** What a new blackout cancels; absent: the release runner. */
  readonly scheduledTasks: ScheduledTasks | undefined;
  readonly publicKey: string;
  readonly nextPublicKey: string | null;
  /** Broker URL as agents reach it, for generated agent configs. */
  readonly agentBrokerUrl: string;
  /** Base URL agents download packs from. */
  readonly packBaseUrl: string;
  readonly caPem: string | null;
  readonly now: () => number;
  readonly log: (message: string) => void;
}

/** The operations the HTTP API serves, over one release runner. */
export interface OperationsWiring {
  readonly runner: ReleaseRunner;
  readonly operationsDeps: OperationsDeps;
  readonly releases: ReleaseConsole;
  readonly scheduleConsole: ScheduleOperations;
  /** Issue 13: the recipes new requests carry. */
  readonly recipes: RecipeSource;
  /** Issue 13: what an agent understands (presence). */
  readonly capabilitiesOf: (store: string, workstation: string) => readonly string[] | null;
}

/**
 * The release runner (plans, saves, then sends through the one applier),
 * the console's operations and the release and schedule consoles, over the
 * store. The runner is not started: the caller starts it once the HTTP
 * handler is attached.
 */
export function wireOperations(options: OperationsWiringOptions): OperationsWiring {
  const { store, fleetRows, collector, schedules, now, log } = options;
  const capabilitiesOf = (wsStore: string, workstation: string) =>
    collector.presence.capabilitiesOf(wsKey({ store: wsStore, workstation }));
  const recipes = recipeSource(store.recipes, capabilitiesOf);
  const applyDeps = {
    workstations: store.workstations,
    desiredState: store.desired,
    fleet: fleetRows,
    packs: store.packs,
    desired: options.desired,
    packBaseUrl: options.packBaseUrl,
    now,
    isOnline: (key: string) => collector.presence.isOnline(key),
    recipes,
  };
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
    notices: options.notices,
    capabilitiesOf,
  });
  const operationsDeps: OperationsDeps = {
    workstations: store.workstations,
    desiredState: store.desired,
    fleet: fleetRows,
    packs: store.packs,
    audit: store.audit,
    desired: options.desired,
    publicKey: options.publicKey,
    nextPublicKey: options.nextPublicKey,
    agentBrokerUrl: options.agentBrokerUrl,
    packBaseUrl: options.packBaseUrl,
    caPem: options.caPem,
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
    notices: options.notices,
    audit: store.audit,
    now,
    log,
  });
  return { runner, operationsDeps, releases, scheduleConsole, recipes, capabilitiesOf };
}
