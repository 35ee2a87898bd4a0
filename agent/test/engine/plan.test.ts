import type { DesiredService } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import type { JobStep, ServiceRecord } from "../../src/engine/journal.js";
import { FORWARD_STEPS, isCancellable, ROLLBACK_STEPS } from "../../src/engine/journal.js";
import { planService, type ServicePlan } from "../../src/engine/plan.js";

const NOW = Date.parse("2026-11-21T10:00:00.000Z");
const artifact = { url: "http://127.0.0.1/p.tgz", sha256: "a".repeat(64), size: 10 };

function want(
  version: string | null,
  requestId = "r2",
  validFrom: string | null = null,
): DesiredService {
  return version === null
    ? { preferredVersion: null, validFrom: null, requestId: null, artifact: null }
    : { preferredVersion: version, validFrom, requestId, artifact };
}

function record(over: Partial<ServiceRecord> = {}): ServiceRecord {
  return {
    activeVersion: "1.0.0",
    previousVersion: null,
    status: "OK",
    reason: null,
    requestId: "r1",
    preferredVersion: null,
    validFrom: null,
    progress: null,
    updatedAt: "2026-11-21T09:00:00.000Z",
    job: null,
    ...over,
  };
}

function withJob(step: JobStep, requestId = "r2"): ServiceRecord {
  return record({
    status: "In Progress",
    requestId,
    preferredVersion: "1.1.0",
    job: {
      requestId,
      fromVersion: "1.0.0",
      toVersion: "1.1.0",
      artifact,
      validFrom: null,
      step,
      failure: null,
      notReady: null,
      startedAt: "2026-11-21T09:59:00.000Z",
    },
  });
}

const cases: {
  name: string;
  desired: DesiredService | undefined;
  rec: ServiceRecord | undefined;
  plan: ServicePlan;
}[] = [
  {
    name: "unknown service, nothing wanted",
    desired: undefined,
    rec: undefined,
    plan: { kind: "idle" },
  },
  { name: "OK with '-' already", desired: want(null), rec: record(), plan: { kind: "idle" } },
  {
    name: "Prepared, then '-' skips it",
    desired: want(null),
    rec: record({ status: "Prepared", preferredVersion: "1.1.0" }),
    plan: { kind: "clear", status: "OK" },
  },
  {
    name: "Rolled Back, then '-'",
    desired: want(null),
    rec: record({ status: "Rolled Back", preferredVersion: "1.1.0" }),
    plan: { kind: "clear", status: "OK" },
  },
  {
    name: "Failed, then '-' stays Failed",
    desired: want(null),
    rec: record({ status: "Failed", preferredVersion: "1.1.0" }),
    plan: { kind: "clear", status: "Failed" },
  },
  {
    name: "service dropped from desired",
    desired: undefined,
    rec: record({ status: "Prepared", preferredVersion: "1.1.0" }),
    plan: { kind: "clear", status: "OK" },
  },
  {
    name: "new version, valid now",
    desired: want("1.1.0"),
    rec: record(),
    plan: { kind: "begin", requestId: "r2" },
  },
  {
    name: "first install",
    desired: want("1.1.0"),
    rec: undefined,
    plan: { kind: "begin", requestId: "r2" },
  },
  {
    name: "valid-from in the past",
    desired: want("1.1.0", "r2", "2026-11-21T09:00:00.000Z"),
    rec: record(),
    plan: { kind: "begin", requestId: "r2" },
  },
  {
    name: "valid-from exactly now",
    desired: want("1.1.0", "r2", "2026-11-21T10:00:00.000Z"),
    rec: record(),
    plan: { kind: "begin", requestId: "r2" },
  },
  {
    name: "valid-from ahead",
    desired: want("1.1.0", "r2", "2026-11-21T10:00:05.000Z"),
    rec: record(),
    plan: { kind: "wait", until: NOW + 5000, requestId: "r2" },
  },
  {
    name: "waiting already (Prepared, same request)",
    desired: want("1.1.0", "r2", "2026-11-21T10:00:05.000Z"),
    rec: record({ status: "Prepared", requestId: "r2" }),
    plan: { kind: "wait", until: NOW + 5000, requestId: "r2" },
  },
  {
    name: "the active version asked for",
    desired: want("1.0.0"),
    rec: record(),
    plan: { kind: "already-active", requestId: "r2", version: "1.0.0" },
  },
  {
    name: "duplicate of an answered request (OK)",
    desired: want("1.1.0", "r1"),
    rec: record({ activeVersion: "1.1.0", requestId: "r1" }),
    plan: { kind: "idle" },
  },
  {
    name: "duplicate of a Rolled Back request: no automatic retry",
    desired: want("1.1.0", "r1"),
    rec: record({ status: "Rolled Back", requestId: "r1", preferredVersion: "1.1.0" }),
    plan: { kind: "idle" },
  },
  {
    name: "duplicate of a Failed request",
    desired: want("1.1.0", "r1"),
    rec: record({ status: "Failed", requestId: "r1", preferredVersion: "1.1.0" }),
    plan: { kind: "idle" },
  },
  {
    name: "retry after Rolled Back (new request id)",
    desired: want("1.1.0", "r9"),
    rec: record({ status: "Rolled Back", requestId: "r1", preferredVersion: "1.1.0" }),
    plan: { kind: "begin", requestId: "r9" },
  },
  {
    name: "job for this request continues",
    desired: want("1.1.0", "r2"),
    rec: withJob("verify", "r2"),
    plan: { kind: "continue" },
  },
  {
    name: "Not Ready job superseded by a retry",
    desired: want("1.1.0", "r3"),
    rec: withJob("await-ready", "r2"),
    plan: { kind: "cancel", reason: "superseded by request r3" },
  },
  {
    name: "downloading job skipped with '-'",
    desired: want(null),
    rec: withJob("fetch", "r2"),
    plan: { kind: "cancel", reason: "update skipped: preferred version set to -" },
  },
  {
    name: "switched job cannot be cancelled",
    desired: want(null),
    rec: withJob("switch", "r2"),
    plan: { kind: "finish-first" },
  },
  {
    name: "rolling back job finishes first",
    desired: want("1.2.0", "r3"),
    rec: withJob("rollback-start", "r2"),
    plan: { kind: "finish-first" },
  },
];

describe("planService", () => {
  it.each(cases)("$name", ({ desired, rec, plan }) => {
    expect(planService(desired, rec, NOW)).toEqual(plan);
  });

  it("only steps before pre-hook can be cancelled", () => {
    const cancellable = [...FORWARD_STEPS, ...ROLLBACK_STEPS, "abort" as const].filter(
      isCancellable,
    );
    expect(cancellable).toEqual(["fetch", "unpack", "await-ready"]);
  });
});
