import { describe, expect, it } from "vitest";
import { allowedVersions, type PackVersionInfo, packAdmits } from "../src/index.js";

const packs: PackVersionInfo[] = [
  { version: "1.0.0" },
  { version: "1.1.0", updatableFrom: ">=1.0.0 <1.1.0" },
  { version: "1.2.0", updatableFrom: "^1.1.0" },
  { version: "2.0.0-rc.1", updatableFrom: ">=1.2.0" },
  { version: "0.9.0", updatableFrom: ">=0.8.0 <0.9.0" },
  { version: "0.9.5", updatableFrom: ">=1.1.0" },
];

const cases: {
  name: string;
  active: string | null;
  packs: PackVersionInfo[];
  expected: string[];
}[] = [
  {
    name: "upgrade admitted by range; downgrade to 0.9.0 refused by its range",
    active: "1.0.0",
    packs,
    expected: ["-", "1.1.0"],
  },
  {
    name: "from 1.1.0: 1.2.0 (caret), explicit downgrade 0.9.5, 1.0.0 (no range = any)",
    active: "1.1.0",
    packs,
    expected: ["-", "1.2.0", "1.0.0", "0.9.5"],
  },
  {
    name: "prerelease target offered when its range admits",
    active: "1.2.0",
    packs,
    expected: ["-", "2.0.0-rc.1", "1.0.0", "0.9.5"],
  },
  {
    name: "prerelease active version falls inside a range that does not name prereleases",
    active: "1.1.0-beta.2",
    packs,
    expected: ["-", "1.1.0", "1.0.0"],
  },
  { name: "no packs: only -", active: "1.0.0", packs: [], expected: ["-"] },
  {
    name: "first install (no active version): every pack",
    active: null,
    packs,
    expected: ["-", "2.0.0-rc.1", "1.2.0", "1.1.0", "1.0.0", "0.9.5", "0.9.0"],
  },
  {
    name: "the active version itself is not offered",
    active: "1.0.0",
    packs: [{ version: "1.0.0" }],
    expected: ["-"],
  },
  {
    name: "packs with an invalid version or range are never offered",
    active: "1.0.0",
    packs: [
      { version: "1.x" },
      { version: "1.5.0", updatableFrom: "not a range" },
      { version: "1.6.0" },
    ],
    expected: ["-", "1.6.0"],
  },
  {
    name: "duplicates collapse, newest first",
    active: "0.1.0",
    packs: [{ version: "0.2.0" }, { version: "0.10.0" }, { version: "0.2.0" }],
    expected: ["-", "0.10.0", "0.2.0"],
  },
];

describe("allowedVersions", () => {
  it.each(cases)("$name", ({ active, packs: given, expected }) => {
    expect(allowedVersions(active, given)).toEqual(expected);
  });

  it.each(["1.x", "v1.0.0", "", "1.0"])(
    "invalid active version %j is refused with a clear error",
    (active) => {
      expect(() => allowedVersions(active, packs)).toThrow(
        `activeVersion: ${JSON.stringify(active)} is not a semver version`,
      );
    },
  );

  it("packAdmits: absent range admits anything, including downgrades", () => {
    expect(packAdmits({ version: "0.1.0" }, "9.9.9")).toBe(true);
    expect(packAdmits({ version: "0.1.0", updatableFrom: "<1.0.0" }, "9.9.9")).toBe(false);
  });
});
