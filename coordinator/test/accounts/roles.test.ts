import { describe, expect, it } from "vitest";
import {
  isRole,
  listRoles,
  parseRole,
  ROLE_DESCRIPTIONS,
  ROLES,
  type Role,
  roleAllows,
} from "../../src/accounts/roles.js";

describe("roles", () => {
  it("are ordered viewer < operator < approver < admin", () => {
    expect(ROLES).toEqual(["viewer", "operator", "approver", "admin"]);
    expect(Object.keys(ROLE_DESCRIPTIONS).sort()).toEqual([...ROLES].sort());
  });

  // have × need: each role includes every one before it, and nothing above it.
  const table: [Role, Role, boolean][] = [
    ["viewer", "viewer", true],
    ["viewer", "operator", false],
    ["viewer", "approver", false],
    ["viewer", "admin", false],
    ["operator", "viewer", true],
    ["operator", "operator", true],
    ["operator", "approver", false],
    ["operator", "admin", false],
    ["approver", "viewer", true],
    ["approver", "operator", true],
    ["approver", "approver", true],
    ["approver", "admin", false],
    ["admin", "viewer", true],
    ["admin", "operator", true],
    ["admin", "approver", true],
    ["admin", "admin", true],
  ];
  it.each(table)("%s allows what needs %s: %s", (have, need, expected) => {
    expect(roleAllows(have, need)).toBe(expected);
  });
});

describe("parseRole", () => {
  it.each(ROLES)("accepts %s", (role) => {
    expect(parseRole(role)).toEqual({ ok: true, value: role });
    expect(isRole(role)).toBe(true);
  });

  it.each([
    ["boss", '"boss" is not a role: use viewer, operator, approver or admin'],
    ["Admin", '"Admin" is not a role: use viewer, operator, approver or admin'],
    ["", "role is required: use viewer, operator, approver or admin"],
    [undefined, "role is required: use viewer, operator, approver or admin"],
    [3, "a number is not a role: use viewer, operator, approver or admin"],
  ])("refuses %j", (input, message) => {
    expect(parseRole(input)).toEqual({ ok: false, error: message });
  });

  it("lists the roles in order", () => {
    expect(listRoles()).toBe("viewer, operator, approver or admin");
  });
});
