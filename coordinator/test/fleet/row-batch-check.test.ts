// validateRows checks a batch field by field, each distinct value once (fleet/shape-memo.ts);
// it must accept and refuse exactly what the row schema does, row by row.

import { describe, expect, it } from "vitest";
import { type ServiceRow, validateRow, validateRows } from "../../src/fleet/service-row.js";
import { makeRow, prng, randomFleet } from "./fixtures.js";

/** Ways to spoil a row: each a field set to something the schema may refuse. */
const SPOILERS: Record<string, (row: Record<string, unknown>) => void> = {
  "extra field": (row) => {
    row.extra = 1;
  },
  "missing store": (row) => {
    delete row.store;
  },
  "store with a slash": (row) => {
    row.store = "10/01";
  },
  "version not semver": (row) => {
    row.activeVersion = "one";
  },
  "status unknown": (row) => {
    row.status = "Done";
  },
  "In Progress without phase": (row) => {
    row.status = "In Progress";
    row.phase = null;
  },
  "phase when OK": (row) => {
    row.status = "OK";
    row.phase = "downloading";
  },
  "Failed without reason": (row) => {
    row.status = "Failed";
    row.phase = null;
    row.reason = null;
  },
  "online a string": (row) => {
    row.online = "yes";
  },
  "updatedAt not a time": (row) => {
    row.updatedAt = "yesterday";
  },
  "progress a string": (row) => {
    row.progress = "40";
  },
  "group with a trailing slash": (row) => {
    row.group = "DE/";
  },
  "recipe of the wrong shape": (row) => {
    row.appliedRecipe = { nope: true };
  },
  "recipe null": (row) => {
    row.appliedRecipe = null;
  },
  "recipe undefined": (row) => {
    row.appliedRecipe = undefined;
  },
};

function single(row: unknown): { ok: boolean; value?: ServiceRow } {
  const result = validateRow(row);
  return result.ok ? { ok: true, value: result.value } : { ok: false };
}

function batched(row: unknown): { ok: boolean; value?: ServiceRow } {
  const result = validateRows([row]);
  return result.ok ? { ok: true, value: result.value[0] as ServiceRow } : { ok: false };
}

describe("validateRows in a batch", () => {
  it("agrees with validateRow on a random fleet and on every way of spoiling its rows", () => {
    const random = prng(7);
    const rows = randomFleet(300, random);
    let refused = 0;
    for (const row of rows) {
      expect(batched(row)).toEqual(single(row));
      for (const spoil of Object.values(SPOILERS)) {
        const spoilt: Record<string, unknown> = { ...row };
        spoil(spoilt);
        const expected = single(spoilt);
        if (!expected.ok) refused++;
        expect(batched(spoilt)).toEqual(expected);
      }
    }
    expect(refused).toBeGreaterThan(300 * 10);
  });

  it("a value seen valid in one row is still checked against the rules of the next", () => {
    const result = validateRows([
      makeRow({ store: "1001", status: "Failed", reason: "disk full" }),
      { ...makeRow({ store: "1002" }), status: "Failed", reason: null },
    ]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain("rows[1]: reason");
  });
});
