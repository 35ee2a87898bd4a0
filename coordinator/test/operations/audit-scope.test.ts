import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import { readableAudit } from "../../src/operations/audit-scope.js";

const entry = (touched: string[], details: Record<string, unknown> = {}): AuditEntry => ({
  at: "2026-11-30T08:00:00.000Z",
  who: { name: "admin", role: "admin" },
  action: "x",
  details,
  touched,
  skipped: 0,
});

const groups: Record<string, string | null> = { "1001/01": "DE/North", "2002/01": "DE/South" };
const groupOf = (key: string) => groups[key];

describe("readableAudit", () => {
  const entries = [
    entry(["1001/01/pos-client"]),
    entry(["1001/01/pos-client", "2002/01/pos-client"]),
    entry(["pos-client@1.0.0"]),
    entry(["operator:anna"]),
    // A workstation removed since: its group is in the entry.
    entry(["9009/01"], { group: "DE/North/Kiel" }),
    entry(["9009/02"], { group: "AT" }),
    // Unknown group: hidden from scoped readers (fail closed).
    entry(["9009/03"]),
  ];

  it("shows everything to a caller without a scope", () => {
    expect(readableAudit({ name: "a", role: "viewer", scope: null }, entries, groupOf)).toEqual(
      entries,
    );
  });

  it("shows a scoped caller the entries inside its scope and the shared ones", () => {
    const seen = readableAudit({ name: "v", role: "viewer", scope: "DE/North" }, entries, groupOf);
    expect(seen.map((e) => e.touched[0])).toEqual([
      "1001/01/pos-client",
      "pos-client@1.0.0",
      "operator:anna",
      "9009/01",
    ]);
  });
});
