import {
  EXAMPLE_PAYLOADS,
  type StatusDocument,
  statusDocumentSchema,
  validate,
} from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { withSaveProblem } from "../../src/report/status-report.js";

const now = "2026-11-30T10:00:00.000Z";
const desired = {
  ...EXAMPLE_PAYLOADS.desired,
  services: {
    "pos-client": {
      preferredVersion: "1.1.0",
      validFrom: null,
      requestId: "new-request",
      artifact: { url: "http://127.0.0.1/p.tgz", sha256: "a".repeat(64), size: 1 },
    },
    "price-sync": { preferredVersion: null, validFrom: null, requestId: null, artifact: null },
  },
};
const status: StatusDocument = {
  schema: 1,
  seq: 7,
  ts: now,
  store: "1001",
  workstation: "01",
  desiredSeq: 3,
  services: {
    "pos-client": {
      status: "OK",
      activeVersion: "1.0.0",
      preferredVersion: "1.0.0",
      requestId: "old-request",
      validFrom: null,
      phase: null,
      progress: null,
      reason: null,
      updatedAt: now,
    },
    "price-sync": {
      status: "Rolled Back",
      activeVersion: "2.0.0",
      preferredVersion: "2.1.0",
      requestId: "r9",
      validFrom: null,
      phase: null,
      progress: null,
      reason: "health check failed",
      updatedAt: now,
    },
  },
};

describe("withSaveProblem (issue 8 item 7)", () => {
  const problem = "the agent cannot save its state (ENOSPC); retrying in 4 s";
  const doc = withSaveProblem(status, desired, problem, now);

  it("shows a request that could not be saved as that request, Prepared, with the problem", () => {
    expect(doc.services["pos-client"]).toMatchObject({
      status: "Prepared",
      activeVersion: "1.0.0",
      preferredVersion: "1.1.0",
      requestId: "new-request",
      reason: problem,
    });
  });

  it("puts the problem before every other service's own reason", () => {
    expect(doc.services["price-sync"]).toMatchObject({
      status: "Rolled Back",
      reason: `${problem}; health check failed`,
    });
  });

  it("is a valid status document, reasons cut to the protocol's limit", () => {
    expect(validate(statusDocumentSchema, doc).ok).toBe(true);
    const long = withSaveProblem(status, desired, "x".repeat(5000), now);
    expect(validate(statusDocumentSchema, long).ok).toBe(true);
  });

  it("without a desired document only adds the reason", () => {
    expect(withSaveProblem(status, null, problem, now).services["pos-client"]).toMatchObject({
      status: "OK",
      requestId: "old-request",
      reason: problem,
    });
  });
});
