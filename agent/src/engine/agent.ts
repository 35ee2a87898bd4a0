import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AgentConfig } from "@tillroll/protocol";
import {
  type DesiredDocument,
  decodeDesired,
  decodePayload,
  parseTopic,
  type TrustedKeys,
  topicFor,
} from "@tillroll/protocol";
import { coordinatorNow, updateClockOffset } from "../clock/coordinator-clock.js";
import { trustedKeysOf } from "../config/pinned-keys.js";
import { AgentLink } from "../mqtt/agent-link.js";
import { DEFAULT_RECONNECT_BACKOFF } from "../mqtt/reconnect-backoff.js";
import { type Clock, systemClock } from "../process/clock.js";
import { runCommand } from "../process/run-command.js";
import { createServiceManager, type ServiceManager } from "../process/service-manager.js";
import { isLockHeld } from "../readiness/flock.js";
import { nextPosPresence } from "../readiness/pos-session.js";
import { checkReadiness } from "../readiness/readiness.js";
import { rememberKnownSecrets } from "../recipe/known-secrets.js";
import { SecretMasker } from "../recipe/secret-masker.js";
import { SELF_FUNCTION } from "../self-update/self-function.js";
import {
  DEFAULT_CONFIRM_SECONDS,
  DEFAULT_CONFIRM_TIMEOUT_SECONDS,
  DEFAULT_PROBE_TIMEOUT_MS,
  type SelfUpdateHost,
} from "../self-update/self-host.js";
import type { AgentState } from "../state/agent-state.js";
import { bootServices } from "./boot.js";
import type { EngineContext } from "./engine-context.js";
import type { JobStep } from "./journal.js";
import { Reconciler } from "./reconciler.js";
import { Reporter } from "./reporter.js";
import { serviceOutputForwarder } from "./service-log.js";
import { StateStore } from "./state-store.js";

export interface AgentOptions {
  config: AgentConfig;
  clock?: Clock;
  random?: () => number;
  log?: (message: string) => void;
  serviceManager?: ServiceManager;
  agentVersion?: string;
  onStep?: (step: JobStep, when: "before" | "after") => void;
  /** The daemon's side of a self-update (function `tillroll-agent`); the CLI passes it. */
  selfUpdate?: SelfUpdateOptions;
}

export interface SelfUpdateOptions {
  configPath: string;
  /** Release folder under `<root>/tillroll-agent/releases` this agent runs from, or null. */
  runningRelease: string | null;
  confirmSeconds?: number;
  /** A new agent not confirmed after this long gives up (onGiveUp). */
  confirmTimeoutSeconds?: number;
  probeTimeoutMs?: number;
  /** Called once the agent has stopped for a hand-over: exit with SELF_RESTART_EXIT_CODE. */
  onRestart: () => void;
  /** Called once a new agent that could not confirm has stopped: exit with SELF_UNCONFIRMED_EXIT_CODE. */
  onGiveUp: () => void;
}

/**
 * The tillroll agent: wires the journal, the MQTT link, the reporter and the
 * reconciler together. All state lives in the instance, so many agents can
 * run in one process (each with its own state folder and clock).
 */
export class Agent {
  private link: AgentLink | null = null;

  private constructor(
    readonly config: AgentConfig,
    private readonly ctx: EngineContext,
    private readonly reconciler: Reconciler,
    private readonly keys: TrustedKeys,
    private readonly secrets: SecretMasker,
  ) {}

  static async start(options: AgentOptions): Promise<Agent> {
    const { config } = options;
    const clock = options.clock ?? systemClock;
    // Issue 13: recipe secrets never reach a log line, an install-log line or a reason.
    const secrets = new SecretMasker();
    const rawLog = options.log ?? ((message: string) => console.log(message));
    const log = (message: string) => rawLog(secrets.mask(message));
    const store = await StateStore.open(config.state, log, () => clock.now());
    await rememberKnownSecrets(secrets, store.state, config.root);
    // Pid files of supervised services: how a restarted agent finds orphans.
    await mkdir(join(config.state, "run"), { recursive: true });
    // Seqs handed out but not yet saved when the last run died may have
    // reached the broker (a last will, a queued report): jump past them.
    store.state.nextSeq += 1000;
    await store.save();
    const reporter = new Reporter({
      store,
      ids: config,
      topicRoot: config.topicRoot,
      stateDir: config.state,
      agentVersion: options.agentVersion ?? "0.1.0",
      now: () => clock.now(),
      log,
      mask: (text) => secrets.mask(text),
    });
    // Issue 13: the new version's own output between start and commit goes to the install log.
    const serviceOutput = serviceOutputForwarder(store, reporter);
    const services =
      options.serviceManager ??
      createServiceManager(config.serviceManager, {
        process: {
          supervisorOptions: (fn) => ({
            pidFile: join(config.state, "run", `${fn}.pid`),
            // Files, not pipes: the service outlives the agent and is adopted by its next run.
            output: {
              stdout: join(config.state, "logs", "service", `${fn}.out`),
              stderr: join(config.state, "logs", "service", `${fn}.err`),
            },
            // Part of the documented bound on In Progress (README, the agent).
            stopCommandTimeoutMs: config.timeouts.stopSeconds * 1000,
            env: { ...process.env, TILLROLL_FUNCTION: fn },
            onLine: (line, stream) => {
              log(`${fn}[${stream}]: ${line}`);
              serviceOutput(fn, line, stream);
            },
            onStateChange: (change) =>
              log(`${fn}: service ${change.from} -> ${change.to} (${change.reason})`),
          }),
        },
        systemd: { unitFor: (fn) => config.units[fn] ?? `${fn}.service` },
      });
    const ctx: EngineContext = {
      config,
      store,
      reporter,
      services,
      clock,
      random: options.random ?? Math.random,
      log,
      onStep: options.onStep,
      checkReadiness: (fn) =>
        checkReadiness(config.readiness, {
          workstation: config.workstation,
          session: () => store.state.session,
          // Issue 13: a live session from a stale one (the POS's presence), and the ways out.
          pos: () => store.state.pos ?? null,
          sessionRelease: () => store.state.desired?.sessionRelease ?? null,
          forced: forcedRequest(store.state, fn),
          onStalePassed: (note) => {
            log(`${fn ?? "readiness"}: ${note}`);
            if (fn !== undefined) {
              const job = store.state.services[fn]?.job;
              reporter
                .installLog({
                  function: fn,
                  version: job?.toVersion ?? null,
                  requestId: job?.requestId ?? null,
                  level: "warn",
                  source: "agent",
                  stream: null,
                  line: note,
                })
                .catch(() => undefined);
            }
          },
          isLockHeld: (path) => isLockHeld(path),
          runProbe: async (command, timeoutMs) => {
            let firstLine: string | null = null;
            const result = await runCommand({
              command,
              cwd: "/",
              timeoutMs,
              onLine: (line, stream) => {
                if (stream === "stdout" && firstLine === null && line.trim() !== "")
                  firstLine = line.trim();
              },
            });
            return { ok: result.ok, reason: result.reason, firstLine };
          },
        }),
    };
    // The host reaches the agent built below (the link exists only once it connects).
    const self: { agent: Agent | null } = { agent: null };
    if (options.selfUpdate !== undefined)
      ctx.selfUpdate = selfUpdateHost(options.selfUpdate, self, clock);
    const keys = trustedKeysOf(config);
    await bootServices(ctx);
    const reconciler = new Reconciler(ctx);
    const agent = new Agent(config, ctx, reconciler, keys, secrets);
    self.agent = agent;
    await reporter.reportStatus();
    agent.connect(await readCa(config));
    reconciler.kick();
    return agent;
  }

  private connect(ca: Buffer | undefined): void {
    const { config, reporter, log } = this.ctx;
    const ids = { store: config.store, workstation: config.workstation };
    let pendingOnline: { topic: string; payload: string } | null = null;
    const link = new AgentLink(
      {
        url: config.broker,
        clientId: `agent.${config.store}.${config.workstation}`,
        username: config.username,
        password: config.password,
        ca,
        subscriptions: [
          topicFor("desired", ids, config.topicRoot),
          topicFor("session", ids, config.topicRoot),
          topicFor("pos", ids, config.topicRoot),
        ],
        willFor: () => {
          // The `online` of this connection is reserved first, so its will
          // (published when the connection dies) has the higher seq and wins.
          pendingOnline = reporter.presence("online");
          return reporter.presence("offline");
        },
        random: this.ctx.random,
        backoff: { ...DEFAULT_RECONNECT_BACKOFF, maxMs: config.reconnectMaxSeconds * 1000 },
        log,
      },
      {
        onConnect: () => {
          const online = pendingOnline ?? reporter.presence("online");
          pendingOnline = null;
          link.publish(online.topic, online.payload, true).catch(() => undefined);
          // A whole status on every connect: an embedded broker that restarted
          // lost every retained message, and the coordinator re-reads state.
          reporter
            .reportStatus()
            .catch((error: Error) => log(`status not saved: ${error.message}`));
        },
        onDisconnect: () => undefined,
        onMessage: (topic, payload, retained) => this.onMessage(topic, payload, retained),
      },
    );
    this.link = link;
    reporter.attach(link);
    link.start();
  }

  private onMessage(topic: string, payload: Buffer, retained: boolean): void {
    const address = parseTopic(topic, this.config.topicRoot);
    if (!address.ok) {
      this.ctx.log(`message on ${topic} ignored: ${address.error}`);
    } else if (address.value.kind === "desired") {
      this.onDesired(payload, retained);
    } else if (address.value.kind === "session") {
      this.onSession(payload);
    } else if (address.value.kind === "pos") {
      this.onPosPresence(payload);
    }
  }

  /** Why a desired document must be ignored, or null to accept it. Bad input never stops the agent. */
  private refuseDesired(doc: DesiredDocument): string | null {
    const { store, workstation } = this.config;
    if (doc.store !== store || doc.workstation !== workstation) {
      return `it is for ${doc.store}/${doc.workstation}, this is ${store}/${workstation}`;
    }
    const last = this.ctx.store.state.lastDesiredSeq;
    if (last !== null && doc.seq <= last)
      return `seq ${doc.seq} is not above the last applied ${last}`;
    return null;
  }

  private onDesired(payload: Buffer, retained: boolean): void {
    const { store, log, clock } = this.ctx;
    const receivedAt = clock.now();
    const decoded = decodeDesired(payload, this.keys);
    const refusal = decoded.ok ? this.refuseDesired(decoded.value) : decoded.error;
    if (!decoded.ok || refusal !== null) {
      log(`desired document ignored: ${refusal}`);
      return;
    }
    const doc = decoded.value;
    this.secrets.rememberDesired(doc); // before anything about it is logged
    store.state.clockOffsetMs = updateClockOffset(store.state.clockOffsetMs, {
      coordinatorTs: Date.parse(doc.ts),
      receivedAt,
      retained,
    });
    const release = doc.sessionRelease ?? null;
    if (release !== null && release.at !== store.state.desired?.sessionRelease?.at)
      log(
        `POS session release by ${release.by} at ${release.at} (session seq <= ${release.sessionSeq}); it ends a stale session only`,
      );
    store.state.desired = doc;
    store.state.lastDesiredSeq = doc.seq;
    log(`desired document seq ${doc.seq} accepted (clock offset ${store.state.clockOffsetMs} ms)`);
    this.reconciler.desiredChanged();
    // The operator's maintenance switch is part of the published maintenance document.
    this.ctx.reporter
      .operatorMaintenanceChanged()
      .catch((error: Error) => log(`maintenance not published: ${error.message}`));
  }

  private onSession(payload: Buffer): void {
    const { store, log } = this.ctx;
    const decoded = decodePayload("session", payload);
    const last = store.state.session?.seq ?? null;
    if (!decoded.ok) {
      log(`session document ignored: ${decoded.error}`);
    } else if (last !== null && decoded.value.seq <= last) {
      log(`session document ignored: seq ${decoded.value.seq} is not above ${last}`);
    } else {
      store.state.session = decoded.value;
      this.reconciler.kick();
    }
  }

  /** The POS's presence (issue 13): what tells a live session from one a crashed POS left. */
  private onPosPresence(payload: Buffer): void {
    const { store, log, clock } = this.ctx;
    const decoded = decodePayload("pos", payload);
    if (!decoded.ok) {
      log(`pos presence ignored: ${decoded.error}`);
      return;
    }
    const current = store.state.pos ?? null;
    const next = nextPosPresence(current, decoded.value, new Date(clock.now()).toISOString());
    if (next === null) return; // the same or an older document (a reconnect's retained copy)
    if (current?.state !== next.state) log(`POS is ${next.state} (pos seq ${next.seq})`);
    store.state.pos = next;
    // Kept across an agent restart: "stale since" stays the moment it was first seen.
    store.save().catch((error: Error) => log(`state not saved: ${error.message}`));
    this.reconciler.kick();
  }

  /** Coordinator time as this agent estimates it. */
  coordinatorNow(): number {
    return coordinatorNow(this.ctx.clock.now(), this.ctx.store.state.clockOffsetMs);
  }

  /**
   * Stops reconciling and closes MQTT (gracefully: presence offline). The
   * services keep running (only an update stops a service): the agent's next
   * run adopts them.
   */
  async stop(): Promise<void> {
    await this.detach();
  }

  /**
   * A self-update hands over: stop reconciling and close MQTT like stop(),
   * but leave the services running (the next agent finds them), then let
   * the CLI exit with SELF_RESTART_EXIT_CODE.
   */
  async handOver(reason: string, onRestart: () => void): Promise<void> {
    this.ctx.log(`${SELF_FUNCTION}: ${reason}: stopping this agent`);
    await this.detach();
    onRestart();
  }

  private async detach(): Promise<void> {
    await this.reconciler.stop();
    const link = this.link;
    if (link !== null) {
      if (link.connected) {
        const offline = this.ctx.reporter.presence("offline");
        await link.publish(offline.topic, offline.payload, true).catch(() => undefined);
      }
      await link.stop(true);
    }
    // A full disk must not keep the agent from stopping.
    await this.ctx.store.save().catch((error: Error) => {
      this.ctx.log(`state not saved at stop: ${error.message}`);
    });
    await this.ctx.services.detach();
  }

  get isConnected(): boolean {
    return this.link?.connected ?? false;
  }
}

function selfUpdateHost(
  options: SelfUpdateOptions,
  self: { agent: Agent | null },
  clock: Clock,
): SelfUpdateHost {
  let restarting = false;
  return {
    configPath: options.configPath,
    runningRelease: options.runningRelease,
    confirmSeconds: options.confirmSeconds ?? DEFAULT_CONFIRM_SECONDS,
    confirmTimeoutSeconds: options.confirmTimeoutSeconds ?? DEFAULT_CONFIRM_TIMEOUT_SECONDS,
    probeTimeoutMs: options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    startedAt: clock.now(),
    connected: () => self.agent?.isConnected ?? false,
    requestRestart: (reason) => stopThen(reason, options.onRestart),
    giveUp: (reason) => stopThen(reason, options.onGiveUp),
  };
  function stopThen(reason: string, then: () => void): void {
    const agent = self.agent;
    if (restarting || agent === null) return;
    restarting = true;
    // Not awaited: the step that asks waits for the reconciler's abort, which this causes.
    agent.handOver(reason, then).catch(() => then());
  }
}

/**
 * Whether the update asking about readiness carries `drain.force` (it then
 * goes on past a stale POS session). A caller that does not name its service
 * gets the answer for the job in flight: jobs run one at a time.
 */
function forcedRequest(state: AgentState, fn: string | undefined): boolean {
  const forced = (name: string) => state.desired?.services[name]?.drain?.force === true;
  if (fn !== undefined) return forced(fn);
  return Object.entries(state.services).some(
    ([name, record]) => record.job != null && forced(name),
  );
}

async function readCa(config: AgentConfig): Promise<Buffer | undefined> {
  return config.ca === undefined ? undefined : readFile(config.ca);
}
