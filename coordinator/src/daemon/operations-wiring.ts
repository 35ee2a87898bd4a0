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
import type { CommandRole } from "../replicas/command-plan.js";
import { CommandServer } from "../replicas/command-server.js";
import {
  ForwardedReleaseCommands,
  type ReleaseCommands,
  RoutedReleaseCommands,
} from "../replicas/release-commands.js";
import { ReleaseHolds } from "../replicas/release-holds.js";
import { ReleaseTerms } from "../replicas/release-terms.js";
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
  /** Issue 14: how long a follower waits for the leader to carry out a release command. */
  readonly commandTimeoutMs?: number | undefined;
}

/** The operations the HTTP API serves, over the release runner of the current term. */
export interface OperationsWiring {
  /** Issue 14: a fresh release runner per leadership term; `current` for reads. */
  readonly terms: ReleaseTerms;
  /** Release commands: this replica's runner when it leads, else handed to the leader. */
  readonly commands: ReleaseCommands;
  /** Issue 14, PostgreSQL: a follower's view of held rows (null: the JSON store). */
  readonly holds: ReleaseHolds | null;
  /** Issue 14, PostgreSQL: the leader's duty of carrying out followers' commands. */
  readonly commandServer: CommandServer | null;
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
 * store. The runner is not started: the leadership duties start a term
 * (release-terms.ts) once the HTTP handler is attached. Issue 14: with
 * PostgreSQL, a follower's release commands go to the leader through the
 * store's command queue, and its held rows come from a view of the releases.
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
  const makeRunner = () =>
    new ReleaseRunner({
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
  const terms = new ReleaseTerms(makeRunner);
  const queue = store.commands;
  const holds = queue === undefined ? null : new ReleaseHolds(store.releases, fleetRows, log);
  // The current term's runner, read per call: after a term ends a new one takes over.
  const local: ReleaseCommands = {
    created: (release, rows) => terms.current.created(release, rows),
    operate: (id, operation, actor) => terms.current.operate(id, operation, actor),
    cancelOverlapping: (blackout, who) => terms.current.cancelOverlapping(blackout, who),
  };
  const role = (): CommandRole =>
    queue === undefined ? "single" : terms.leading ? "leader" : "follower";
  const commands = new RoutedReleaseCommands(
    role,
    () => local,
    queue === undefined || holds === null
      ? null
      : new ForwardedReleaseCommands({
          queue,
          log,
          afterward: () => holds.reload(),
          timeoutMs: options.commandTimeoutMs,
        }),
  );
  const commandServer =
    queue === undefined ? null : new CommandServer({ queue, local, releases: store.releases, log });
  // Who holds a row: the runner's memory when it leads (or alone), else the follower's view.
  const following = () => holds !== null && !terms.leading;
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
    releaseHolding: (key) => (following() ? holds?.holding(key) : terms.current.holding(key)),
    scheduledMarks: () =>
      holds !== null && following()
        ? holds.scheduledMarks(terms.current.context, now())
        : terms.current.scheduledMarks(),
    schedules,
    recipes,
  };
  // The console's release tasks, served by the /api/releases routes.
  const releases: ReleaseConsole = new ReleaseOperations({
    releases: store.releases,
    runner: {
      targetRows: (spec) => terms.current.targetRows(spec),
      get context() {
        return terms.current.context;
      },
      observer: (release) => terms.current.observer(release),
      created: (release, rows) => commands.created(release, rows),
      operate: (id, operation, actor) => commands.operate(id, operation, actor),
    },
    audit: store.audit,
    now,
  });
  const scheduleConsole = new ScheduleOperations({
    schedules: store.schedules,
    memory: schedules,
    workstations: store.workstations,
    tasks: options.scheduledTasks ?? commands,
    notices: options.notices,
    audit: store.audit,
    now,
    log,
  });
  return {
    terms,
    commands,
    holds,
    commandServer,
    operationsDeps,
    releases,
    scheduleConsole,
    recipes,
    capabilitiesOf,
  };
}
