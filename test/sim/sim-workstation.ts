import type {
  DesiredDocument,
  DesiredService,
  Phase,
  PresenceDocument,
  Status,
  StatusDocument,
  WorkstationRef,
} from "@tillroll/protocol";
import { drawPlan, type OutcomeShares, type UpdatePlan } from "./sim-random.js";

/**
 * One simulated workstation's agent as a pure state machine: what a desired
 * document or a due timer turns its state into. No I/O, no clock, no
 * randomness of its own (the seeded generator state travels in the state), so
 * the decisions are tested table-driven and a run repeats exactly.
 *
 * A request goes OK → Prepared (until validFrom) → [Not Ready for a while] →
 * In Progress (downloading, then installing) → OK with the new version, or
 * Rolled Back with the old one.
 */

export interface SimConfig extends OutcomeShares {
  /** The one flow service the workstation runs, e.g. `pos-client`. */
  functionName: string;
}

/** What the workstation reports for its service; `updatedAt` in ms. */
export interface SimService {
  status: Status;
  activeVersion: string | null;
  preferredVersion: string | null;
  requestId: string | null;
  validFrom: string | null;
  phase: Phase | null;
  progress: number | null;
  reason: string | null;
  updatedAt: number;
}

/** The next thing the update does when its timer fires. */
export type Step = "start" | "install" | "finish";

export interface SimState {
  /** seq of the last desired document applied; null before the first. */
  desiredSeq: number | null;
  service: SimService;
  /** The running request's plan (drawn when it arrived). */
  plan: UpdatePlan | null;
  /** The request already spent its Not Ready time. */
  deferred: boolean;
  step: Step | null;
  /** When `step` is due (ms, real clock); null: nothing to do. */
  wakeAt: number | null;
  /** A desired entry that arrived while In Progress, applied once the update ends. */
  pending: DesiredService | null;
  /** Seeded generator state (sim-random.ts). */
  rng: number;
}

export type DesiredVerdict = "applied" | "stale" | "foreign";

export interface Decision {
  state: SimState;
  /** The status document changed: publish it. */
  changed: boolean;
}

export const NOT_READY_REASON = (workstation: string) =>
  `user sim logged in on till ${workstation}`;
export const ROLLBACK_REASON = "simulated health check failure";

export function initialState(activeVersion: string | null, rng: number, nowMs: number): SimState {
  return {
    desiredSeq: null,
    service: {
      status: "OK",
      activeVersion,
      preferredVersion: null,
      requestId: null,
      validFrom: null,
      phase: null,
      progress: null,
      reason: null,
      updatedAt: nowMs,
    },
    plan: null,
    deferred: false,
    step: null,
    wakeAt: null,
    pending: null,
    rng,
  };
}

type ServiceChange = Partial<Omit<SimService, "updatedAt">> & { status: Status };

function withService(state: SimState, change: ServiceChange, nowMs: number): SimService {
  return {
    ...state.service,
    phase: null,
    progress: null,
    reason: null,
    ...change,
    updatedAt: nowMs,
  };
}

/** Applies one service entry of a desired document to a service that is not In Progress. */
function applyEntry(state: SimState, entry: DesiredService, config: SimConfig, nowMs: number) {
  const { service } = state;
  const idle = { plan: null, deferred: false, step: null, wakeAt: null, pending: null };
  const request = {
    preferredVersion: entry.preferredVersion,
    requestId: entry.requestId,
    validFrom: entry.validFrom,
  };
  if (
    entry.requestId !== null &&
    entry.requestId === service.requestId &&
    entry.preferredVersion === service.preferredVersion
  ) {
    // The same request again (a republished document): it runs or has ended.
    return { ...state, pending: null };
  }
  if (entry.preferredVersion === null || entry.preferredVersion === service.activeVersion) {
    return { ...state, ...idle, service: withService(state, { status: "OK", ...request }, nowMs) };
  }
  const drawn = drawPlan(state.rng, config);
  const validFrom = entry.validFrom === null ? nowMs : Date.parse(entry.validFrom);
  return {
    ...state,
    ...idle,
    plan: drawn.plan,
    rng: drawn.state,
    step: "start" as const,
    wakeAt: Math.max(nowMs, validFrom),
    service: withService(state, { status: "Prepared", ...request }, nowMs),
  };
}

/**
 * A verified desired document (decodeDesired already checked the signature
 * and schema). Documents for another workstation are refused, seqs not above
 * the last applied are dropped; a service the document does not name is left
 * as it is.
 */
export function onDesired(
  state: SimState,
  doc: DesiredDocument,
  ref: WorkstationRef,
  config: SimConfig,
  nowMs: number,
): Decision & { verdict: DesiredVerdict } {
  if (doc.store !== ref.store || doc.workstation !== ref.workstation) {
    return { state, changed: false, verdict: "foreign" };
  }
  if (state.desiredSeq !== null && doc.seq <= state.desiredSeq) {
    return { state, changed: false, verdict: "stale" };
  }
  const seen = { ...state, desiredSeq: doc.seq };
  const entry = doc.services[config.functionName];
  if (entry === undefined) return { state: seen, changed: true, verdict: "applied" };
  if (state.service.status === "In Progress") {
    // The preferred version is locked while an update runs: finish it first.
    const same = entry.requestId !== null && entry.requestId === state.service.requestId;
    return { state: { ...seen, pending: same ? null : entry }, changed: true, verdict: "applied" };
  }
  return { state: applyEntry(seen, entry, config, nowMs), changed: true, verdict: "applied" };
}

/** The timer of `state.wakeAt` fired: take the next step if it is due. */
export function onWake(
  state: SimState,
  ref: WorkstationRef,
  config: SimConfig,
  nowMs: number,
): Decision {
  const { plan, step, wakeAt } = state;
  if (plan === null || step === null || wakeAt === null || nowMs < wakeAt) {
    return { state, changed: false };
  }
  const half = Math.floor(plan.installMs / 2);
  switch (step) {
    case "start":
      if (plan.notReadyMs > 0 && !state.deferred) {
        const reason = NOT_READY_REASON(ref.workstation);
        return {
          state: {
            ...state,
            deferred: true,
            wakeAt: nowMs + plan.notReadyMs,
            service: withService(state, { status: "Not Ready", reason }, nowMs),
          },
          changed: true,
        };
      }
      return {
        state: {
          ...state,
          step: "install",
          wakeAt: nowMs + half,
          service: withService(
            state,
            { status: "In Progress", phase: "downloading", progress: 0 },
            nowMs,
          ),
        },
        changed: true,
      };
    case "install":
      return {
        state: {
          ...state,
          step: "finish",
          wakeAt: nowMs + (plan.installMs - half),
          service: withService(state, { status: "In Progress", phase: "installing" }, nowMs),
        },
        changed: true,
      };
    case "finish": {
      const service = plan.fails
        ? withService(state, { status: "Rolled Back", reason: ROLLBACK_REASON }, nowMs)
        : withService(
            state,
            { status: "OK", activeVersion: state.service.preferredVersion },
            nowMs,
          );
      const ended: SimState = { ...state, plan: null, step: null, wakeAt: null, service };
      const next = state.pending === null ? ended : applyEntry(ended, state.pending, config, nowMs);
      return { state: { ...next, pending: null }, changed: true };
    }
  }
}

/** The whole status document for `state` (encode it with encodePayload("status", …)). */
export function statusDocument(
  state: SimState,
  ref: WorkstationRef,
  functionName: string,
  seq: number,
  nowMs: number,
): StatusDocument {
  const { updatedAt, ...service } = state.service;
  return {
    schema: 1,
    seq,
    ts: new Date(nowMs).toISOString(),
    store: ref.store,
    workstation: ref.workstation,
    desiredSeq: state.desiredSeq,
    services: {
      [functionName]: { ...service, updatedAt: new Date(updatedAt).toISOString() },
    },
  };
}

export const SIM_AGENT_VERSION = "tillroll-sim";

export function presenceDocument(
  state: "online" | "offline",
  seq: number,
  nowMs: number,
): PresenceDocument {
  return {
    schema: 1,
    seq,
    ts: new Date(nowMs).toISOString(),
    state,
    agentVersion: SIM_AGENT_VERSION,
  };
}

/** Next seq of a sender: above the last, and clock based so it also grows across restarts. */
export function nextSeq(last: number, nowMs: number): number {
  return Math.max(last + 1, Math.floor(nowMs));
}
