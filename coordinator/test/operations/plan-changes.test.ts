import type { PackVersionInfo, Status } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { planRetry, planSetPreferred, type RowView } from "../../src/operations/plan-changes.js";

const packs: PackVersionInfo[] = [
  { version: "1.0.0" },
  { version: "1.1.0", updatableFrom: ">=1.0.0 <1.1.0" },
  { version: "1.2.0", updatableFrom: ">=1.1.0" },
];

function row(
  status: Status,
  activeVersion: string | null = "1.0.0",
  preferredVersion: string | null = null,
): RowView {
  return {
    store: "1001",
    workstation: "01",
    function: "pos-client",
    status,
    activeVersion,
    preferredVersion,
  };
}

describe("planSetPreferred", () => {
  const cases: { name: string; row: RowView; version: string; expect: RegExp }[] = [
    {
      name: "OK -> Prepared",
      row: row("OK"),
      version: "1.1.0",
      expect: /^apply Prepared 1\.1\.0 new$/,
    },
    {
      name: "In Progress is skipped",
      row: row("In Progress", "1.0.0", "1.1.0"),
      version: "1.1.0",
      expect: /^skip .*In Progress/,
    },
    {
      name: "not admitted by the descriptor",
      row: row("OK"),
      version: "1.2.0",
      expect: /^skip 1\.2\.0 is not allowed from 1\.0\.0 \(allowed: -, 1\.1\.0\)$/,
    },
    {
      name: "the active version itself",
      row: row("OK"),
      version: "1.0.0",
      expect: /^skip 1\.0\.0 is already the active version$/,
    },
    {
      name: "- on Prepared skips the update",
      row: row("Prepared", "1.0.0", "1.1.0"),
      version: "-",
      expect: /^apply OK - old$/,
    },
    {
      name: "- on In Progress is refused",
      row: row("In Progress", "1.0.0", "1.1.0"),
      version: "-",
      expect: /^skip .*In Progress/,
    },
    {
      name: "- on Failed stays Failed",
      row: row("Failed", "1.0.0", "1.1.0"),
      version: "-",
      expect: /^apply Failed - old$/,
    },
    {
      name: "new version on Rolled Back",
      row: row("Rolled Back", "1.0.0", "1.1.0"),
      version: "1.1.0",
      expect: /^apply Prepared 1\.1\.0 new$/,
    },
    {
      name: "unknown version",
      row: row("OK"),
      version: "9.9.9",
      expect: /^skip 9\.9\.9 is not allowed/,
    },
  ];
  it.each(cases)("$name", ({ row: given, version, expect: wanted }) => {
    const [change] = planSetPreferred([given], version, packs);
    const text =
      change?.kind === "apply"
        ? `apply ${change.status} ${change.preferredVersion ?? "-"} ${change.newRequest ? "new" : "old"}`
        : `skip ${change?.reason}`;
    expect(text).toMatch(wanted);
  });

  it("--install targets start as Prepared first installs", () => {
    const changes = planSetPreferred([], "1.1.0", packs, [
      { store: "1002", workstation: "03", function: "pos-client" },
    ]);
    expect(changes).toEqual([
      {
        kind: "apply",
        store: "1002",
        workstation: "03",
        function: "pos-client",
        status: "Prepared",
        preferredVersion: "1.1.0",
        newRequest: true,
        firstInstall: true,
      },
    ]);
  });
});

describe("planRetry", () => {
  it.each([
    ["Failed", "apply"],
    ["Rolled Back", "apply"],
    ["Not Ready", "apply"],
    ["OK", "skip"],
    ["Prepared", "skip"],
    ["In Progress", "skip"],
  ] as const)("%s -> %s", (status, kind) => {
    const [change] = planRetry([row(status, "1.0.0", "1.1.0")]);
    expect(change?.kind).toBe(kind);
    if (change?.kind === "apply")
      expect(change).toMatchObject({
        status: "Prepared",
        preferredVersion: "1.1.0",
        newRequest: true,
      });
  });
});
