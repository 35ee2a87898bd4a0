import { describe, expect, it } from "vitest";
import {
  checkChangeScope,
  filterReadable,
  isPartnerAdmin,
  isPlatformAdmin,
  parseScope,
  type ScopedRow,
  scopeContains,
  scopeCovers,
} from "../../src/accounts/scope.js";
import { op } from "./helpers.js";

function rows(...groups: (string | null)[]): ScopedRow[] {
  return groups.map((group, i) => ({ store: `${1000 + i}`, workstation: "01", group }));
}

describe("scopeCovers", () => {
  it.each([
    [null, "DE/North", true],
    [null, null, true],
    ["DE/North", "DE/North", true],
    ["DE/North", "DE/North/Hamburg", true],
    ["DE/North", "DE/Northwest", false],
    ["DE/North", "DE", false],
    ["DE/North", "DE/South", false],
    ["DE/North", "AT", false],
    ["DE/North", null, false],
    ["DE", "DE/North/Hamburg", true],
  ])("scope %j covers group %j: %s", (scope, group, expected) => {
    expect(scopeCovers(scope, group)).toBe(expected);
  });
});

describe("scopeContains", () => {
  it.each([
    [null, null, true],
    [null, "DE", true],
    ["DE", null, false],
    ["DE", "DE", true],
    ["DE", "DE/North", true],
    ["DE/North", "DE", false],
    ["DE/North", "AT", false],
  ])("scope %j contains scope %j: %s", (outer, inner, expected) => {
    expect(scopeContains(outer, inner)).toBe(expected);
  });
});

describe("platform and partner admins", () => {
  it.each([
    [op("admin"), true, false],
    [op("admin", "DE/North"), false, true],
    [op("approver"), false, false],
    [op("viewer", "DE"), false, false],
  ])("%j: platform %s, partner %s", (operator, platform, partner) => {
    expect(isPlatformAdmin(operator)).toBe(platform);
    expect(isPartnerAdmin(operator)).toBe(partner);
  });
});

describe("parseScope", () => {
  it.each([
    ["DE/North", "DE/North"],
    ["", null],
    [undefined, null],
    [null, null],
  ])("accepts %j", (input, value) => {
    expect(parseScope(input)).toEqual({ ok: true, value });
  });

  it("refuses a malformed group, naming it", () => {
    const result = parseScope("DE//North");
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error).toMatch(/^scope: "DE\/\/North" is not a valid business unit group/);
  });
});

describe("checkChangeScope", () => {
  const north = op("operator", "DE/North");

  it("lets a change inside the scope through", () => {
    expect(checkChangeScope(north, rows("DE/North", "DE/North/Hamburg"))).toEqual({
      ok: true,
      value: undefined,
    });
  });

  it("lets an unscoped operator change anything", () => {
    expect(checkChangeScope(op("operator"), rows("AT", null, "DE/North")).ok).toBe(true);
  });

  it("lets an empty change through (nothing matched, nothing crossed)", () => {
    expect(checkChangeScope(north, []).ok).toBe(true);
  });

  it("refuses a change crossing the scope whole, naming how many rows and which groups", () => {
    const twelve = rows(
      ...Array.from({ length: 9 }, () => "DE/North"),
      "AT",
      "DE/South",
      "DE/South",
    );
    expect(checkChangeScope(north, twelve)).toEqual({
      ok: false,
      error: "refused: 3 of 12 rows are outside your scope DE/North (groups AT, DE/South)",
    });
  });

  it.each([
    [rows(null), "refused: 1 of 1 row is outside your scope DE/North (group (no group))"],
    [
      rows("DE/North", "DE/Northwest"),
      "refused: 1 of 2 rows is outside your scope DE/North (group DE/Northwest)",
    ],
  ])("words singulars and rows without a group: %j", (given, message) => {
    expect(checkChangeScope(north, given)).toEqual({ ok: false, error: message });
  });

  it("names at most ten groups", () => {
    const many = rows(...Array.from({ length: 13 }, (_, i) => `G${String(i).padStart(2, "0")}`));
    const result = checkChangeScope(north, many);
    expect(result).toEqual({
      ok: false,
      error:
        "refused: 13 of 13 rows are outside your scope DE/North (groups G00, G01, G02, G03, G04, G05, G06, G07, G08, G09 and 3 more)",
    });
  });
});

describe("filterReadable", () => {
  const all = rows("DE/North", "AT", null, "DE/North/Hamburg");

  it("shows a scoped viewer only its rows", () => {
    expect(filterReadable(op("viewer", "DE/North"), all).map((r) => r.group)).toEqual([
      "DE/North",
      "DE/North/Hamburg",
    ]);
  });

  it("shows an unscoped viewer everything", () => {
    expect(filterReadable(op("viewer"), all)).toEqual(all);
  });
});
