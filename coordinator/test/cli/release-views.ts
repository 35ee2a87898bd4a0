// Release views as the API answers them, for the renderer's tests: a running release
// (a pilot done, a wave with Not Ready, soaking, timed-out and skipped rows) and a
// release whose first stage failed.

import type { ReleaseView, StageCounts, StageView } from "../../src/releases/release-model.js";
import { fullSpec, ZERO_COUNTS } from "../api/fake-release-console.js";

const counts = (given: Partial<StageCounts>): StageCounts => ({ ...ZERO_COUNTS, ...given });

const pending = (name: string, checkpoint: StageView["checkpoint"]): StageView => ({
  name,
  state: "Pending",
  checkpoint,
  startedAt: null,
  endedAt: null,
  reason: null,
  counts: ZERO_COUNTS,
  members: [],
  notReady: [],
  timedOut: [],
  failed: [],
  skipped: [],
});

const keys = (stores: number, from: number) =>
  Array.from({ length: stores }, (_, i) => `${from + i}/01/pos-client`);

export function runningRelease(): ReleaseView {
  return {
    id: "3",
    name: "pos-client 1.1.0 spring",
    function: "pos-client",
    version: "1.1.0",
    state: "Running",
    createdBy: "olga",
    createdAt: "2026-11-30T08:00:00.000Z",
    spec: fullSpec({
      target: { group: ["DE"] },
      stages: [
        { name: "pilot", target: { store: ["1001"] }, checkpoint: "none" },
        { name: "wave 1", percent: 10, checkpoint: "approval" },
        { name: "rest", checkpoint: "trigger" },
      ],
      errorThreshold: "2%",
      soak: "15m",
      maxPerStore: 1,
    }),
    stages: [
      {
        ...pending("pilot", "none"),
        state: "Successful",
        startedAt: "2026-11-30T08:01:00.000Z",
        endedAt: "2026-11-30T08:40:00.000Z",
        reason: "2 of 2 rows OK",
        counts: counts({ OK: 2, total: 2 }),
        members: ["1001/01/pos-client", "1001/02/pos-client"],
      },
      {
        ...pending("wave 1", "approval"),
        state: "Running",
        startedAt: "2026-11-30T09:00:00.000Z",
        counts: counts({
          OK: 9,
          soaking: 1,
          "In Progress": 2,
          Prepared: 1,
          "Not Ready": 3,
          queued: 3,
          "timed out": 1,
          total: 20,
          skipped: 1,
        }),
        members: keys(20, 1002),
        notReady: [
          { key: "1002/01/pos-client", reason: "a cashier is logged in" },
          { key: "1003/01/pos-client", reason: "the till is printing a report" },
          { key: "1005/01/pos-client", reason: "a cashier is logged in" },
        ],
        timedOut: ["1004/02/pos-client"],
        skipped: [{ key: "1030/01/pos-client", reason: 'in release task 2 "hotfix"' }],
      },
      pending("rest", "trigger"),
    ],
    history: [
      {
        at: "2026-11-30T08:01:00.000Z",
        who: "olga",
        subject: "release",
        from: "Ready",
        to: "Running",
        reason: "started",
      },
      {
        at: "2026-11-30T08:40:00.000Z",
        who: "release runner",
        subject: "pilot",
        from: "Running",
        to: "Successful",
        reason: "2 of 2 rows OK",
      },
      {
        at: "2026-11-30T08:40:00.000Z",
        who: "release runner",
        subject: "wave 1",
        from: "Pending",
        to: "Waiting for approval",
        reason: "checkpoint approval",
      },
      {
        at: "2026-11-30T09:00:00.000Z",
        who: "april",
        subject: "wave 1",
        from: "Waiting for approval",
        to: "Running",
        reason: "approved by april",
      },
    ],
    decisions: [
      {
        at: "2026-11-30T09:00:00.000Z",
        who: "april",
        stage: "wave 1",
        verdict: "approved",
        comment: "pilot ran the weekend without trouble",
      },
    ],
  };
}

export function failedRelease(): ReleaseView {
  const failed = keys(11, 1001).map((key) => ({
    key,
    status: "Failed" as const,
    reason: "health check failed: exit 1",
  }));
  return {
    id: "4",
    name: "pos-client 1.2.0",
    function: "pos-client",
    version: "1.2.0",
    state: "Failed",
    createdBy: "olga",
    createdAt: "2026-11-30T08:00:00.000Z",
    spec: fullSpec({
      version: "1.2.0",
      stages: [
        { name: "pilot", checkpoint: "none" },
        { name: "rest", checkpoint: "none" },
      ],
    }),
    stages: [
      {
        ...pending("pilot", "none"),
        state: "Failed",
        startedAt: "2026-11-30T08:01:00.000Z",
        endedAt: "2026-11-30T08:30:00.000Z",
        reason: "14 of 15 rows failed (93.33% > 0%)",
        counts: counts({ OK: 1, Failed: 11, "Rolled Back": 1, "timed out": 2, total: 15 }),
        members: [
          ...keys(12, 1001),
          "2001/01/pos-client",
          "2001/02/pos-client",
          "3001/01/pos-client",
        ],
        timedOut: ["2001/01/pos-client", "2001/02/pos-client"],
        failed: [
          ...failed,
          { key: "1012/01/pos-client", status: "Rolled Back", reason: "health check failed" },
        ],
      },
      pending("rest", "none"),
    ],
    history: [],
    decisions: [],
  };
}
