// The enrolment check both WorkstationStores (JSON, PostgreSQL) make before they write.

import { describe, expect, it } from "vitest";
import type { WorkstationRecord } from "../../src/state/coordinator-state.js";
import { checkEnrolment } from "../../src/store/enrol-check.js";
import { record } from "./conformance-fixtures.js";

const none = () => false;

describe("checkEnrolment", () => {
  it("passes a well-formed batch of new workstations", () => {
    const batch = [record("1001", "01"), record("1001", "02")];
    expect(checkEnrolment(batch, none)).toEqual({ ok: true, checked: batch });
  });

  it("names the first workstation enrolled already or twice in the batch", () => {
    const batch = [record("1001", "01"), record("1001", "02"), record("1001", "02")];
    expect(checkEnrolment(batch, none)).toEqual({
      ok: false,
      taken: { store: "1001", workstation: "02" },
    });
    expect(checkEnrolment(batch, (key) => key === "1001/01").ok).toBe(false);
  });

  it("refuses a malformed record naming its index", () => {
    const bad = { ...record("1001", "01"), store: "" } as WorkstationRecord;
    expect(() => checkEnrolment([record("1001", "02"), bad], none)).toThrow(
      /^workstation 1 refused: /,
    );
  });
});
