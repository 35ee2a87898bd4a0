import { EXAMPLE_PAYLOADS, type ServiceStatus, type StatusDocument } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { type ServiceRow, validateRow } from "../../src/fleet/service-row.js";
import { rowsFromStatus } from "../../src/ingest/apply-status.js";
import type { DesiredEntry } from "../../src/state/coordinator-state.js";

const NOW = "2026-11-21T10:00:00.000Z";
const artifact = { url: "http://127.0.0.1/p.tgz", sha256: "a".repeat(64), size: 1 };

function report(over: Partial<ServiceStatus>): StatusDocument {
  const service: ServiceStatus = {
    status: "OK",
    activeVersion: "1.0.0",
    preferredVersion: null,
    requestId: null,
    validFrom: null,
    phase: null,
    progress: null,
    reason: null,
    updatedAt: NOW,
    ...over,
  };
  return { ...EXAMPLE_PAYLOADS.status, services: { "pos-client": service } };
}

function want(requestId: string | null, version: string | null = "1.1.0"): DesiredEntry {
  return {
    preferredVersion: version,
    validFrom: null,
    requestId,
    artifact: version === null ? null : artifact,
  };
}

describe("rowsFromStatus", () => {
  const cases: {
    name: string;
    doc: StatusDocument;
    desired?: DesiredEntry;
    before?: Partial<ServiceRow>;
    expect: Partial<ServiceRow>;
  }[] = [
    {
      name: "adopted install, nothing desired",
      doc: report({}),
      expect: { status: "OK", activeVersion: "1.0.0", preferredVersion: null },
    },
    {
      name: "the agent works on the current request",
      doc: report({
        status: "In Progress",
        phase: "downloading",
        progress: 37,
        requestId: "r2",
        preferredVersion: "1.1.0",
      }),
      desired: want("r2"),
      expect: {
        status: "In Progress",
        phase: "downloading",
        progress: 37,
        preferredVersion: "1.1.0",
      },
    },
    {
      name: "a late report about the previous request keeps the row Prepared",
      doc: report({
        status: "Rolled Back",
        reason: "health",
        requestId: "r1",
        preferredVersion: "1.1.0",
      }),
      desired: want("r2"),
      before: { status: "Prepared", reason: null },
      expect: { status: "Prepared", requestId: "r2", reason: null, activeVersion: "1.0.0" },
    },
    {
      name: "first report after an --install assignment",
      doc: report({
        activeVersion: null,
        status: "Prepared",
        requestId: "r3",
        preferredVersion: "1.1.0",
      }),
      desired: want("r3"),
      expect: { status: "Prepared", activeVersion: null },
    },
    {
      name: "Not Ready with its reason",
      doc: report({
        status: "Not Ready",
        reason: "user alice logged in on till 01",
        requestId: "r2",
        preferredVersion: "1.1.0",
      }),
      desired: want("r2"),
      expect: { status: "Not Ready", reason: "user alice logged in on till 01" },
    },
    {
      name: "skip acknowledged",
      doc: report({ status: "OK", requestId: null }),
      desired: want(null, null),
      expect: { status: "OK", preferredVersion: null },
    },
  ];
  it.each(cases)("$name", ({ doc, desired, before, expect: expected }) => {
    const existing = new Map<string, ServiceRow>();
    if (before !== undefined) {
      existing.set("pos-client", {
        ...(rowsFromStatus({
          doc,
          group: null,
          online: true,
          desired: {},
          existing: new Map(),
          now: NOW,
        })[0] as ServiceRow),
        ...before,
      });
    }
    const [row] = rowsFromStatus({
      doc,
      group: "DE/North",
      online: true,
      desired: desired ? { "pos-client": desired } : {},
      existing,
      now: NOW,
    });
    expect(row).toMatchObject({
      store: "1001",
      workstation: "01",
      function: "pos-client",
      group: "DE/North",
      online: true,
      ...expected,
    });
  });
});

describe("the applied recipe in fleet rows (status `recipe`, issue 13)", () => {
  const SHA = "b".repeat(64);
  const rows = (doc: StatusDocument) =>
    rowsFromStatus({ doc, group: "DE", online: true, desired: {}, existing: new Map(), now: NOW });

  it("is kept from the status, validates, and is absent when an older agent says nothing", () => {
    const [withRecipe] = rows(report({ recipe: { version: 3, sha256: SHA } }));
    expect(withRecipe?.appliedRecipe).toEqual({ version: 3, sha256: SHA });
    expect(validateRow(withRecipe).ok).toBe(true);
    expect(rows(report({ recipe: null }))[0]?.appliedRecipe).toBeNull();
    const [older] = rows(report({}));
    expect(older !== undefined && "appliedRecipe" in older).toBe(false);
    expect(validateRow(older).ok).toBe(true);
  });
});
