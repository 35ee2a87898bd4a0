import type { StatusDocument } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { validateRow } from "../../src/fleet/service-row.js";
import { rowsFromStatus } from "../../src/ingest/apply-status.js";

const SHA = "b".repeat(64);

function status(recipe?: { version: number; sha256: string } | null): StatusDocument {
  return {
    schema: 1,
    seq: 1,
    ts: "2026-11-30T20:00:00.000Z",
    store: "1001",
    workstation: "01",
    desiredSeq: null,
    services: {
      "pos-client": {
        status: "OK",
        activeVersion: "1.0.0",
        preferredVersion: null,
        requestId: null,
        validFrom: null,
        phase: null,
        progress: null,
        reason: null,
        updatedAt: "2026-11-30T20:00:00.000Z",
        ...(recipe === undefined ? {} : { recipe }),
      },
    },
  };
}

const rows = (doc: StatusDocument) =>
  rowsFromStatus({
    doc,
    group: "DE",
    online: true,
    desired: {},
    existing: new Map(),
    now: "2026-11-30T20:00:01.000Z",
  });

describe("the applied recipe in fleet rows (status `recipe`)", () => {
  it("is kept from the status, validates, and is absent when an older agent says nothing", () => {
    const [withRecipe] = rows(status({ version: 3, sha256: SHA }));
    expect(withRecipe?.appliedRecipe).toEqual({ version: 3, sha256: SHA });
    expect(validateRow(withRecipe).ok).toBe(true);
    expect(rows(status(null))[0]?.appliedRecipe).toBeNull();
    const [older] = rows(status());
    expect(older !== undefined && "appliedRecipe" in older).toBe(false);
    expect(validateRow(older).ok).toBe(true);
  });
});
