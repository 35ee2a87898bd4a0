import type { Status } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { outcomeRules } from "../../src/releases/member-outcome.js";
import { planOperation } from "../../src/releases/plan-operation.js";
import { planRelease } from "../../src/releases/plan-release.js";
import type {
  CandidateRow,
  MemberObservation,
  PlanInput,
  ReleasePlan,
  ReleaseRecord,
  ReleaseSend,
} from "../../src/releases/release-model.js";
import { tallyStage } from "../../src/releases/stage-tally.js";
import { candidate, MINUTE, PACKS, release, T0 } from "./release-fixtures.js";

/**
 * A pure simulated run: 200 rows in 20 stores answer the release's sends
 * with seeded random outcomes (acknowledge, In Progress, Not Ready for a
 * while, OK, Failed, Rolled Back, offline for good); an operator retries a
 * Failed release (at most 3 times, then rolls back), approves checkpoints,
 * sometimes pauses and resumes. Invariants are checked after every plan.
 */

/** mulberry32: small, seeded, deterministic. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  readonly candidate: CandidateRow;
  obs: MemberObservation;
  /** The request the row works on and its version; null: nothing to do. */
  desired: { requestId: string | null; version: string | null } | null;
  offline: boolean;
  notReadyTurns: number;
}

const ENDED = ["Successful", "Rejected", "Cancelled", "Rolled Back"];

function simulate(seed: number, maxPerStore: number) {
  const rnd = random(seed);
  const rows = new Map<string, Row>();
  for (let s = 0; s < 20; s++) {
    for (let t = 1; t <= 10; t++) {
      const c = candidate(`S${String(s).padStart(2, "0")}`, String(t).padStart(2, "0"));
      rows.set(`${c.store}/${c.workstation}/pos-client`, {
        candidate: c,
        obs: {
          status: "OK",
          requestId: null,
          activeVersion: "1.0.0",
          reason: null,
          online: true,
          okSince: null,
        },
        desired: null,
        offline: rnd() < 0.02,
        notReadyTurns: rnd() < 0.1 ? 1 + Math.floor(rnd() * 4) : 0,
      });
    }
  }
  let now = T0;
  let rel: ReleaseRecord = release(
    {
      stages: [
        { name: "pilot", count: 10 },
        { name: "wave", percent: 30, checkpoint: "approval" },
        { name: "rest" },
      ],
      errorThreshold: "10%",
      successThreshold: "80%",
      stageTimeout: "1h",
      soak: "5m",
      maxPerStore,
    },
    String(seed),
  );
  const input = (): PlanInput => ({
    release: rel,
    observe: (key) => rows.get(key)?.obs,
    candidates: [...rows.values()].map((r) => ({
      ...r.candidate,
      status: r.obs.status,
      activeVersion: r.obs.activeVersion,
    })),
    heldBy: () => undefined,
    packs: PACKS,
    now,
  });
  /** Every request id a member was sent, per attempt. */
  const sentIds = new Map<string, Map<number, string>>();
  let retries = 0;
  let steps = 0;

  const apply = (plan: ReleasePlan) => {
    // Invariant: a member's request id changes only with a new attempt.
    for (const stage of plan.release.stages) {
      for (const m of stage.members) {
        if (m.requestId === null) continue;
        const ids = sentIds.get(m.key) ?? new Map<number, string>();
        const before = ids.get(m.attempt);
        if (before !== undefined) expect(before).toBe(m.requestId);
        ids.set(m.attempt, m.requestId);
        sentIds.set(m.key, ids);
        expect(new Set(ids.values()).size).toBe(ids.size);
      }
    }
    rel = plan.release;
    for (const send of plan.sends as ReleaseSend[]) {
      const row = rows.get(send.key) as Row;
      row.desired = { requestId: send.requestId, version: send.version };
    }
    checkInvariants();
  };

  const checkInvariants = () => {
    // Stages end in order: a stage has begun only when every earlier one is Successful.
    rel.stages.forEach((stage, i) => {
      if (stage.startedAt !== null) {
        expect(rel.stages.slice(0, i).every((s) => s.state === "Successful")).toBe(true);
      }
    });
    // Never more than maxPerStore sent and not OK on the version, per store, in the running stage.
    const running = rel.stages.find((s) => s.state === "Running");
    if (running === undefined) return;
    const tally = tallyStage(
      running,
      (k) => rows.get(k)?.obs,
      outcomeRules(rel.spec, now),
      maxPerStore,
    );
    for (const indexes of tally.byStore.values()) {
      const inFlight = indexes.filter((i) =>
        ["Prepared", "In Progress", "Not Ready", "timed out", "Failed", "Rolled Back"].includes(
          tally.outcomes[i] as string,
        ),
      );
      expect(inFlight.length).toBeLessThanOrEqual(maxPerStore);
    }
  };

  const operate = (kind: "start" | "retry" | "rollback" | "pause" | "resume" | "approve") => {
    const operation = kind === "approve" ? { kind, comment: "ok" } : { kind };
    const planned = planOperation(input(), operation, { name: "bob", approvalRefused: null });
    if (!planned.ok) throw new Error(planned.error);
    expect(planned.value.needsCandidates).toBe(false);
    apply(planned.value);
  };

  const agentsTurn = () => {
    for (const row of rows.values()) {
      const d = row.desired;
      if (d === null || row.offline) continue;
      const o = row.obs;
      if (d.version === null || d.requestId === null || d.requestId.includes("-rb-")) {
        // cancel or rollback: the row settles on what it had / gets back.
        row.obs = {
          ...o,
          status: "OK",
          requestId: d.requestId,
          activeVersion: d.version ?? o.activeVersion,
          okSince: null,
          reason: null,
        };
        row.desired = null;
        continue;
      }
      if (o.requestId !== d.requestId) {
        if (rnd() < 0.7)
          row.obs = {
            ...o,
            status: "Prepared",
            requestId: d.requestId,
            okSince: null,
            reason: null,
          };
        continue;
      }
      const dice = rnd();
      const next = (status: Status, more: Partial<MemberObservation> = {}) => {
        row.obs = { ...o, status, ...more };
      };
      if (o.status === "Prepared" || o.status === "Not Ready") {
        if (row.notReadyTurns > 0) {
          row.notReadyTurns--;
          next("Not Ready", { reason: "cashier logged in" });
        } else if (dice < 0.8) next("In Progress");
      } else if (o.status === "In Progress") {
        if (dice < 0.85) next("OK", { activeVersion: d.version, okSince: now, reason: null });
        else if (dice < 0.93) next("Failed", { reason: "health check failed" });
        else next("Rolled Back", { reason: "health check failed" });
        if (dice >= 0.85) row.desired = null;
      } else if (o.status === "OK" && dice < 0.03) {
        // A later report breaks the soak.
        next("OK", { okSince: now });
      }
    }
  };

  operate("start");
  while (!ENDED.includes(rel.state) && steps < 3000) {
    steps++;
    now += Math.floor(rnd() * 10 * MINUTE);
    agentsTurn();
    if (rel.state === "Running") {
      const stage = rel.stages.find((s) => s.state !== "Successful");
      if (stage?.state === "Waiting for approval") operate("approve");
      else if (rnd() < 0.02) {
        operate("pause");
        expect(planRelease(input()).sends).toEqual([]);
        operate("resume");
      } else {
        const plan = planRelease(input());
        if (steps % 10 === 0) expect(planRelease(input())).toEqual(plan);
        apply(plan);
      }
    } else if (rel.state === "Failed") {
      if (retries < 3) {
        retries++;
        operate("retry");
      } else operate("rollback");
    }
  }
  return { rel, steps };
}

describe("simulated release runs (seeded)", () => {
  const runs = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((seed) => ({ seed, maxPerStore: 1 + (seed % 3) }));
  it.each(runs)(
    "seed $seed, maxPerStore $maxPerStore: invariants hold, the release ends",
    ({ seed, maxPerStore }) => {
      const { rel, steps } = simulate(seed, maxPerStore);
      // Every row belongs to exactly one stage: none skipped, none twice.
      const keys = rel.stages.flatMap((st) => [
        ...st.members.map((m) => m.key),
        ...st.skipped.map((k) => k.key),
      ]);
      expect(new Set(keys).size).toBe(keys.length);
      if (rel.stages.every((st) => st.startedAt !== null)) expect(keys).toHaveLength(200);
      expect(steps).toBeLessThan(3000);
      expect(ENDED).toContain(rel.state);
      if (rel.state === "Successful")
        expect(rel.stages.every((s) => s.state === "Successful")).toBe(true);
    },
  );
});
