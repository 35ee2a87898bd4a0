import { type DesiredDocument, MAX_REASON_LENGTH, type StatusDocument } from "@tillroll/protocol";
import { phaseOf } from "../engine/journal.js";
import type { AgentState } from "../state/agent-state.js";

/**
 * The whole status document for this workstation, from the local records.
 * Pure: the caller gives it a seq and a time. Every service is in every
 * report (state, not events), so the newest report alone tells the truth.
 */
export function buildStatusDocument(
  state: AgentState,
  ids: { store: string; workstation: string },
  seq: number,
  ts: string,
): StatusDocument {
  const services: StatusDocument["services"] = {};
  for (const name of Object.keys(state.services).sort()) {
    const record = state.services[name];
    if (record === undefined) continue;
    const phase = phaseOf(record);
    services[name] = {
      status: record.status,
      activeVersion: record.activeVersion,
      preferredVersion: record.preferredVersion,
      requestId: record.requestId,
      validFrom: record.validFrom,
      phase,
      progress: phase === "downloading" ? record.progress : null,
      reason: record.reason,
      updatedAt: record.updatedAt,
      // Issue 13: sent only when the active release has one (absent: none).
      ...(record.recipe == null ? {} : { recipe: record.recipe }),
    };
  }
  return {
    schema: 1,
    seq,
    ts,
    store: ids.store,
    workstation: ids.workstation,
    desiredSeq: state.lastDesiredSeq,
    services,
  };
}

/**
 * The status to send while the agent cannot save its state (disk full): every
 * service says why in its reason, and a request it received but could not
 * record shows as that request, Prepared, so the console sees the request
 * reached the till and why it does not move. Pure; nothing here is saved.
 */
export function withSaveProblem(
  doc: StatusDocument,
  desired: DesiredDocument | null,
  problem: string,
  now: string,
): StatusDocument {
  const services: StatusDocument["services"] = { ...doc.services };
  for (const [name, want] of Object.entries(desired?.services ?? {})) {
    const have = services[name];
    if (want.requestId === null || have?.requestId === want.requestId) continue;
    services[name] = {
      status: "Prepared",
      activeVersion: have?.activeVersion ?? null,
      preferredVersion: want.preferredVersion,
      requestId: want.requestId,
      validFrom: want.validFrom,
      phase: null,
      progress: null,
      reason: null,
      updatedAt: now,
    };
  }
  for (const [name, service] of Object.entries(services)) {
    const reason = service.reason === null ? problem : `${problem}; ${service.reason}`;
    services[name] = { ...service, reason: clip(reason) };
  }
  return { ...doc, services };
}

function clip(reason: string): string {
  return reason.length > MAX_REASON_LENGTH
    ? `${reason.slice(0, MAX_REASON_LENGTH - 3)}...`
    : reason;
}
