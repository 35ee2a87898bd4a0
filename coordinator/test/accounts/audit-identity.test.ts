import { describe, expect, it } from "vitest";
import {
  auditWho,
  filterByOperator,
  formatWho,
  storedWhoSchema,
  whoName,
} from "../../src/accounts/audit-identity.js";
import { op } from "./helpers.js";

describe("audit identity", () => {
  it("records the operator's name and role, not the scope", () => {
    expect(auditWho(op("approver", "DE", "anna"))).toEqual({ name: "anna", role: "approver" });
  });

  it.each([
    [{ name: "anna", role: "operator" }, "anna (operator)", "anna"],
    ["operator@127.0.0.1", "operator@127.0.0.1", null],
  ] as const)("formats %j as %s", (who, text, name) => {
    expect(formatWho(who)).toBe(text);
    expect(whoName(who)).toBe(name);
  });

  it("reads old string entries and the new shape, and nothing else", () => {
    expect(storedWhoSchema.safeParse("operator@::1").success).toBe(true);
    expect(storedWhoSchema.safeParse({ name: "anna", role: "admin" }).success).toBe(true);
    expect(storedWhoSchema.safeParse({ name: "anna", role: "root" }).success).toBe(false);
    expect(storedWhoSchema.safeParse({ name: "anna" }).success).toBe(false);
  });
});

describe("audit --operator NAME", () => {
  const entries = [
    { at: "1", who: "operator@127.0.0.1" },
    { at: "2", who: { name: "anna", role: "operator" as const } },
    { at: "3", who: { name: "bert", role: "admin" as const } },
    { at: "4", who: { name: "anna", role: "approver" as const } },
  ];

  it.each([
    ["anna", ["2", "4"]],
    ["bert", ["3"]],
    ["nobody", []],
    ["operator@127.0.0.1", []],
  ])("%s made %j", (name, ats) => {
    expect(filterByOperator(entries, name).map((e) => e.at)).toEqual(ats);
  });
});
