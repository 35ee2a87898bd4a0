import { describe, expect, it } from "vitest";
import {
  describeChanges,
  inFlagTerms,
  retryRequest,
  setPreferredRequest,
} from "../../src/cli/commands.js";
import { UsageError } from "../../src/cli/console-client.js";
import { changeExitCode, EXIT_CODES, EXIT_CODES_HELP } from "../../src/cli/exit-codes.js";
import type { RowChange } from "../../src/operations/plan-changes.js";

describe("contract errors in the console's words", () => {
  const cases: [string, string][] = [
    ["filters.store: expected an array of store ids", "--store: expected an array of store ids"],
    ['filters.store.1: "a b" is not a valid store id', '--store: "a b" is not a valid store id'],
    ["filters.activeVersion: x", "--active-version: x"],
    ["filters.valid-from-to: takes one", "--valid-from-to: takes one"],
    ["validFrom: not a timestamp", "--valid-from: not a timestamp"],
    ["dryRun: expected true or false", "--dry-run: expected true or false"],
    ["all: no filter narrows this change", "--all: no filter narrows this change"],
    ["version: is required", "--version: is required"],
    ["status.0: bad", "--status: bad"],
    ['filters: unknown filter "x"', 'filters: unknown filter "x"'],
    ["no path here", "no path here"],
    ["store: a\nfilters.group: b", "--store: a\n--group: b"],
  ];
  it.each(cases)("%j → %j", (given, shown) => {
    expect(inFlagTerms(given)).toBe(shown);
  });
});

describe("exit codes of a change", () => {
  const row = { store: "1001", workstation: "01", function: "pos-client" };
  const apply: RowChange = {
    kind: "apply",
    ...row,
    status: "Prepared",
    preferredVersion: "1.1.0",
    newRequest: true,
    firstInstall: false,
  };
  const skip: RowChange = {
    kind: "skip",
    ...row,
    workstation: "02",
    reason: "the update is In Progress",
  };
  const cases: { changed: RowChange[]; skipped: RowChange[]; code: number }[] = [
    { changed: [apply], skipped: [], code: EXIT_CODES.ok },
    { changed: [apply], skipped: [skip], code: EXIT_CODES.partial },
    { changed: [], skipped: [skip], code: EXIT_CODES.nothingChanged },
    { changed: [], skipped: [], code: EXIT_CODES.nothingChanged },
  ];
  it.each(cases)(
    "$changed.length changed, $skipped.length skipped → $code",
    ({ changed, skipped, code }) => {
      expect(changeExitCode({ changed, skipped })).toBe(code);
    },
  );

  it("are distinct and documented in the help", () => {
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(EXIT_CODES).toEqual({ ok: 0, error: 1, usage: 2, partial: 3, nothingChanged: 4 });
    for (const code of codes) expect(EXIT_CODES_HELP).toMatch(new RegExp(`^  ${code}  \\S`, "m"));
  });

  it("a report lists every row, and a dry run says it changed nothing", () => {
    expect(describeChanges({ changed: [apply], skipped: [skip], dryRun: false })).toBe(
      [
        "1 changed, 1 skipped",
        "  changed  1001/01 pos-client -> Prepared, preferred 1.1.0",
        "  skipped  1001/02 pos-client: the update is In Progress",
      ].join("\n"),
    );
    expect(describeChanges({ changed: [apply], skipped: [skip], dryRun: true })).toBe(
      [
        "Dry run, nothing changed: 1 would change, 1 would be skipped",
        "  would change  1001/01 pos-client -> Prepared, preferred 1.1.0",
        "  would skip    1001/02 pos-client: the update is In Progress",
      ].join("\n"),
    );
  });
});

describe("console flags → the request sent", () => {
  type Values = Parameters<typeof setPreferredRequest>[0];
  const base: Values = { function: ["pos-client"], version: "1.1.0" };
  const sent: { name: string; values: Values; body: unknown }[] = [
    {
      name: "a repeated flag is a list (it once kept only the last)",
      values: { ...base, store: ["1001", "2002"] },
      body: { filters: { store: ["1001", "2002"] } },
    },
    {
      name: "commas are sent as given; the coordinator splits them",
      values: { ...base, store: ["1001,2002"], status: ["failed"] },
      body: { filters: { store: "1001,2002", status: "failed" } },
    },
    {
      name: "--all and --dry-run",
      values: { ...base, all: true, "dry-run": true },
      body: { filters: {}, all: true, dryRun: true },
    },
    {
      name: "--valid-from and --install",
      values: { ...base, group: ["DE"], "valid-from": "2026-11-21T22:00:00Z", install: true },
      body: { filters: { group: "DE" }, validFrom: "2026-11-21T22:00:00Z", install: true },
    },
  ];
  it.each(sent)("set-preferred: $name", ({ values, body }) => {
    expect(setPreferredRequest(values)).toEqual({
      function: "pos-client",
      version: "1.1.0",
      install: false,
      all: false,
      dryRun: false,
      ...(body as object),
    });
  });

  const refused: { name: string; values: Values; error: RegExp }[] = [
    {
      name: "no filter",
      values: base,
      error: /^set-preferred: --all: no filter narrows this change/,
    },
    {
      name: "--all with a filter",
      values: { ...base, all: true, store: ["1001"] },
      error:
        /^set-preferred: --all: "all": true \(--all\) cannot be combined with filters \(--store\)/,
    },
    {
      name: "a bad store in a list",
      values: { ...base, store: ["1001,x y"] },
      error: /^set-preferred: --store: "x y" is not a valid store id/,
    },
    {
      name: "two bounds",
      values: { ...base, "valid-from-to": ["2026-01-01", "2026-01-02"] },
      error: /^set-preferred: --valid-from-to: takes one timestamp or date/,
    },
    {
      name: "two functions",
      values: { ...base, function: ["a", "b"], store: ["1"] },
      error: /^set-preferred: --function takes one value, got a, b$/,
    },
    {
      name: "no version",
      values: { function: ["a"], store: ["1"] },
      error: /--version V\|- are required/,
    },
  ];
  it.each(refused)("set-preferred refuses $name as a usage error", ({ values, error }) => {
    let thrown: unknown;
    try {
      setPreferredRequest(values);
    } catch (caught) {
      thrown = caught;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).message).toMatch(error);
    expect((thrown as UsageError).exitCode).toBe(EXIT_CODES.usage);
  });

  it("retry needs filters or --all", () => {
    expect(retryRequest({ status: ["failed", "rolled-back"] })).toEqual({
      filters: { status: ["failed", "rolled-back"] },
      all: false,
      dryRun: false,
    });
    expect(() => retryRequest({})).toThrow(/^retry: --all: no filter narrows this change/);
    expect(() => retryRequest({ all: true, group: ["DE"] })).toThrow(/cannot be combined/);
  });
});
