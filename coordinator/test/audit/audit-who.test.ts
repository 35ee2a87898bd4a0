import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { filterByOperator, formatWho } from "../../src/accounts/audit-identity.js";
import { AuditLog } from "../../src/audit/audit-log.js";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("the audit's who", () => {
  it("reads entries written before operators existed beside new ones, and filters by operator", async () => {
    const root = mkdtempSync(join(tmpdir(), "tillroll-audit-who-"));
    roots.push(root);
    const path = join(root, "audit.jsonl");
    const old = {
      at: "2026-11-01T08:00:00.000Z",
      who: "operator@127.0.0.1",
      action: "retry",
      details: {},
      touched: ["1001/01/pos-client"],
      skipped: 0,
    };
    writeFileSync(path, `${JSON.stringify(old)}\n`);
    const log = new AuditLog(path);
    await log.append({
      at: "2026-11-30T08:00:00.000Z",
      who: { name: "anna", role: "operator" },
      action: "set-preferred",
      details: {},
      touched: [],
      skipped: 0,
    });
    const entries = await log.list();
    expect(entries.map((e) => formatWho(e.who))).toEqual(["operator@127.0.0.1", "anna (operator)"]);
    expect(filterByOperator(entries, "anna").map((e) => e.action)).toEqual(["set-preferred"]);
  });
});
