import type { StatusDocument } from "@tillroll/protocol";
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
