// Which saved sends are missing from the desired state after a crash (pure).

import { describe, expect, it } from "vitest";
import type { ServiceRow } from "../../src/fleet/service-row.js";
import type { ReleaseRecord, ReleaseState } from "../../src/releases/release-model.js";
import { missingSends } from "../../src/releases/release-recovery.js";
import type { DesiredEntry } from "../../src/state/coordinator-state.js";
import { keyOf, spec, T0 } from "./runner-harness.js";
import { standInNewRelease } from "./stand-in-planner.js";

const A = keyOf("1001", "01");
const B = keyOf("1001", "02");

function release(state: ReleaseState, rolledBack: string[] = []): ReleaseRecord {
  const made = standInNewRelease("4", spec(), "anna", T0);
  const member = (key: string, workstation: string, requestId: string | null, attempt: number) => ({
    key,
    store: "1001",
    workstation,
    previousVersion: workstation === "01" ? "1.0.0" : null,
    requestId,
    sentAt: requestId === null ? null : new Date(T0).toISOString(),
    attempt,
  });
  return {
    ...made,
    state,
    rolledBack,
    stages: made.stages.map((stage, i) =>
      i === 0
        ? {
            ...stage,
            state: "Running",
            members: [member(A, "01", "rel4-0-0-2", 2), member(B, "02", "rel4-0-1-1", 1)],
          }
        : stage,
    ),
  };
}

function entry(version: string | null, requestId: string | null): DesiredEntry {
  return { preferredVersion: version, validFrom: null, requestId, artifact: null };
}

function row(status: ServiceRow["status"], requestId: string | null): ServiceRow {
  return {
    store: "1001",
    workstation: "01",
    function: "pos-client",
    activeVersion: "1.0.0",
    preferredVersion: "1.1.0",
    status,
    phase: status === "In Progress" ? "installing" : null,
    progress: null,
    reason: null,
    validFrom: null,
    requestId,
    group: null,
    online: true,
    updatedAt: new Date(T0).toISOString(),
  };
}

describe("missingSends", () => {
  it("an active release: every sent member whose entry lacks its request, install or retry", () => {
    const entries = new Map([[B, entry("1.1.0", "rel4-0-1-1")]]);
    for (const state of ["Running", "Paused", "Failed"] as const) {
      const sends = missingSends(
        release(state),
        (k) => entries.get(k),
        () => undefined,
      );
      expect(sends).toEqual([
        {
          key: A,
          store: "1001",
          workstation: "01",
          function: "pos-client",
          version: "1.1.0",
          requestId: "rel4-0-0-2",
          why: "retry",
        },
      ]);
    }
  });

  it("Ready, Successful and Rejected releases have nothing missing", () => {
    for (const state of ["Ready", "Successful", "Rejected"] as const)
      expect(
        missingSends(
          release(state),
          () => undefined,
          () => undefined,
        ),
      ).toEqual([]);
  });

  it("Rolled Back: the rollback of members whose entry still carries the release's request", () => {
    const entries = new Map([
      [A, entry("1.1.0", "rel4-0-0-2")],
      [B, entry("1.1.0", "rel4-0-1-1")],
    ]);
    const sends = missingSends(
      release("Rolled Back", [A, B]),
      (k) => entries.get(k),
      () => undefined,
    );
    // B had nothing installed before: nothing to bring back.
    expect(sends.map((s) => [s.key, s.version, s.requestId, s.why])).toEqual([
      [A, "1.0.0", "rel4-rb-0-0", "rollback"],
    ]);
    // Rolled back already (the entry carries another request): nothing.
    const done = new Map([[A, entry("1.0.0", "rel4-rb-0-0")]]);
    expect(
      missingSends(
        release("Rolled Back", [A]),
        (k) => done.get(k),
        () => undefined,
      ),
    ).toEqual([]);
    // Not in rolledBack (In Progress at the time): left for the next rollback.
    expect(
      missingSends(
        release("Rolled Back", []),
        (k) => entries.get(k),
        () => undefined,
      ),
    ).toEqual([]);
  });

  it("Cancelled: members not started whose entry still carries the release's request go to -", () => {
    const entries = new Map([
      [A, entry("1.1.0", "rel4-0-0-2")],
      [B, entry("1.1.0", "rel4-0-1-1")],
    ]);
    const rows = new Map([
      [A, row("Prepared", "rel4-0-0-2")],
      [B, row("In Progress", "rel4-0-1-1")],
    ]);
    const sends = missingSends(
      release("Cancelled"),
      (k) => entries.get(k),
      (k) => rows.get(k),
    );
    expect(sends.map((s) => [s.key, s.version, s.requestId, s.why])).toEqual([
      [A, null, null, "cancel"],
    ]);
    // An operator changed the row since (another request): the release leaves it alone.
    const changed = new Map([[A, entry("2.0.0", "r-0123456789ab")]]);
    expect(
      missingSends(
        release("Cancelled"),
        (k) => changed.get(k),
        (k) => rows.get(k),
      ),
    ).toEqual([]);
    // Not acknowledged yet (the row shows an older request): not started.
    const older = new Map([[A, row("OK", null)]]);
    expect(
      missingSends(
        release("Cancelled"),
        (k) => entries.get(k),
        (k) => older.get(k),
      ).map((s) => s.key),
    ).toEqual([A]);
  });
});
