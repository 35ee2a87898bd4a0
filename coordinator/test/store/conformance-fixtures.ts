// Records, rows and entries the store conformance suite writes.

import type { AuditEntry } from "../../src/audit/audit-log.js";
import type { ServiceRow } from "../../src/fleet/service-row.js";
import type { ReleaseRecord } from "../../src/releases/release-model.js";
import type { DesiredEntry, WorkstationRecord } from "../../src/state/coordinator-state.js";

const AT = "2026-11-30T09:00:00.000Z";

export function record(store: string, workstation: string, group: string | null = null) {
  return {
    store,
    workstation,
    group,
    agentSecretHash: `agent-hash-${store}-${workstation}`,
    posSecretHash: `pos-hash-${store}-${workstation}`,
    enrolledAt: AT,
  } satisfies WorkstationRecord;
}

export function row(
  store: string,
  workstation: string,
  fn = "pos-client",
  extra: Partial<ServiceRow> = {},
): ServiceRow {
  return {
    store,
    workstation,
    function: fn,
    activeVersion: "1.0.0",
    preferredVersion: null,
    status: "OK",
    phase: null,
    progress: null,
    reason: null,
    validFrom: null,
    requestId: null,
    group: null,
    online: false,
    updatedAt: AT,
    ...extra,
  };
}

export function entry(version: string | null): DesiredEntry {
  return {
    preferredVersion: version,
    validFrom: version === null ? null : AT,
    requestId: version === null ? null : `r-${version.replaceAll(".", "")}`,
    artifact: null,
  };
}

export function audit(action: string, pad = 0): AuditEntry {
  return {
    at: AT,
    who: "conformance",
    action,
    details: pad === 0 ? {} : { pad: "x".repeat(pad) },
    touched: [],
    skipped: 0,
  } as AuditEntry;
}

export const ref = (store: string, workstation: string) => ({ store, workstation });

/** A release task record as the store keeps it (the planner's shapes, filled in by hand). */
export function releaseRecord(id: string, name = `release ${id}`): ReleaseRecord {
  return {
    id,
    spec: {
      name,
      function: "pos-client",
      version: "1.1.0",
      target: { group: ["DE"] },
      stages: [
        { name: "pilot", target: { store: ["1001"] }, checkpoint: "none" },
        { name: "rest", checkpoint: "approval" },
      ],
      errorThreshold: "0%",
      successThreshold: "100%",
      stageTimeout: "2h",
      soak: "0s",
      maxPerStore: 1,
      onError: "pause",
      schedule: null,
      forced: false,
      redeploy: false,
      allowDowngrade: false,
      notify: { partnerAdmins: true, storeContacts: false },
    },
    state: "Ready",
    createdBy: "anna",
    createdAt: AT,
    stages: [
      {
        name: "pilot",
        state: "Pending",
        startedAt: null,
        endedAt: null,
        reason: null,
        members: [],
        skipped: [],
      },
      {
        name: "rest",
        state: "Pending",
        startedAt: null,
        endedAt: null,
        reason: null,
        members: [],
        skipped: [],
      },
    ],
    history: [
      { at: AT, who: "anna", subject: "release", from: "-", to: "Ready", reason: "created" },
    ],
    decisions: [],
    rolledBack: [],
  };
}
