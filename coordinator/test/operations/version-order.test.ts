import { describe, expect, it } from "vitest";
import { newestFirst } from "../../src/operations/version-order.js";

describe("newestFirst: '-' first, then newest first in semver order", () => {
  const cases: { given: string[]; listed: string[] }[] = [
    // What `tillroll versions` printed before: 1.3.0, 1.2.0, 1.0.0, 1.1.0.
    {
      given: ["-", "1.3.0", "1.2.0", "1.0.0", "1.1.0"],
      listed: ["-", "1.3.0", "1.2.0", "1.1.0", "1.0.0"],
    },
    { given: ["1.0.0", "-", "1.2.0"], listed: ["-", "1.2.0", "1.0.0"] },
    { given: ["1.9.0", "1.10.0", "1.2.0"], listed: ["1.10.0", "1.9.0", "1.2.0"] },
    { given: ["2.0.0", "10.0.0", "9.9.9"], listed: ["10.0.0", "9.9.9", "2.0.0"] },
    { given: ["1.2.0-rc.1", "1.2.0", "1.1.0"], listed: ["1.2.0", "1.2.0-rc.1", "1.1.0"] },
    {
      given: ["1.2.0-rc.2", "1.2.0-rc.10", "1.2.0-beta"],
      listed: ["1.2.0-rc.10", "1.2.0-rc.2", "1.2.0-beta"],
    },
    // Build metadata does not order in semver: ties by text, stable.
    { given: ["1.0.0+b", "1.0.0+a"], listed: ["1.0.0+a", "1.0.0+b"] },
    { given: ["-"], listed: ["-"] },
    { given: [], listed: [] },
  ];
  it.each(cases)("$given → $listed", ({ given, listed }) => {
    expect(newestFirst(given)).toEqual(listed);
  });

  it("does not change its input", () => {
    const given = ["1.0.0", "2.0.0"];
    newestFirst(given);
    expect(given).toEqual(["1.0.0", "2.0.0"]);
  });
});
