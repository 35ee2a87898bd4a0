import { describe, expect, it } from "vitest";
import { parseEmail, parseOperatorName } from "../../src/accounts/identity.js";

describe("parseOperatorName", () => {
  it.each(["anna", "a", "anna.schmidt", "ops-team_2", `a${"b".repeat(63)}`])(
    "accepts %s",
    (name) => {
      expect(parseOperatorName(name)).toEqual({ ok: true, value: name });
    },
  );

  const rule =
    '(lowercase letters, digits, ".", "-", "_"; starting with a letter; 1-64 characters)';
  it.each([
    ["Anna", `"Anna" is not a valid operator name ${rule}`],
    ["1anna", `"1anna" is not a valid operator name ${rule}`],
    ["-rf", `"-rf" is not a valid operator name ${rule}`],
    ["an na", `"an na" is not a valid operator name ${rule}`],
    ["anna/x", `"anna/x" is not a valid operator name ${rule}`],
    [`a${"b".repeat(64)}`, "operator name is longer than 64 characters (got 65)"],
    ["", "operator name is required"],
    [undefined, "operator name is required"],
    [42, "operator name must be text, got a number"],
  ])("refuses %j", (input, message) => {
    expect(parseOperatorName(input)).toEqual({ ok: false, error: message });
  });
});

describe("parseEmail", () => {
  it.each([
    ["anna@example.com", "anna@example.com"],
    ["", null],
    [undefined, null],
    [null, null],
  ])("accepts %j", (input, value) => {
    expect(parseEmail(input)).toEqual({ ok: true, value });
  });

  it.each([
    ["anna", '"anna" is not an email address'],
    ["anna@example", '"anna@example" is not an email address'],
    ["a b@example.com", '"a b@example.com" is not an email address'],
    [`${"a".repeat(250)}@x.de`, "email is longer than 254 characters"],
    [7, "email must be text, got a number"],
  ])("refuses %j", (input, message) => {
    expect(parseEmail(input)).toEqual({ ok: false, error: message });
  });
});
