import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.js";
import type { ServiceRow } from "../../src/fleet/service-row.js";
import type { ChangeReport } from "../../src/operations/console-operations.js";
import { LiveCoordinator } from "./live-coordinator.js";

const keys = (changes: { store: string; workstation: string }[]) =>
  changes.map((c) => `${c.store}/${c.workstation}`);

/**
 * The console API and the `tillroll` console against a real coordinator:
 * what the issue found widening a change is refused and writes nothing;
 * lists, --all, --dry-run and the exit codes do what the help says.
 */
describe("console API and console against a live coordinator", { timeout: 60_000 }, () => {
  let live: LiveCoordinator;
  beforeAll(async () => {
    live = await LiveCoordinator.start("api-contract");
  }, 30_000);
  afterAll(async () => {
    await live?.close();
  });

  const tillroll = (...args: string[]) => live.tillroll(...args);

  /** Runs `act` and proves the data folder (fleet, desired state, audit) is byte-identical after it. */
  async function changesNothing<T>(act: () => Promise<T>): Promise<T> {
    const before = await live.settled();
    const result = await act();
    expect(await live.settled()).toEqual(before);
    return result;
  }

  it("refuses the bodies that once changed the whole fleet, naming the field", async () => {
    const base = { function: "pos-client", version: "1.3.0" };
    const cases: [path: string, body: unknown, error: RegExp][] = [
      [
        "/api/set-preferred",
        { ...base, filters: { store: 1001 } },
        /^filters\.store: expected an array of store ids/,
      ],
      [
        "/api/set-preferred",
        { ...base, filters: "store=1001" },
        /^filters: expected a JSON object, got string/,
      ],
      [
        "/api/set-preferred",
        { ...base, filters: { stores: "1001" } },
        /^filters: unknown filter "stores"/,
      ],
      [
        "/api/set-preferred",
        { ...base, filters: { store: "" } },
        /^filters\.store: store id is empty/,
      ],
      ["/api/set-preferred", base, /^all: no filter narrows this change/],
      ["/api/set-preferred", null, /^request body: expected a JSON object, got null/],
      ["/api/retry", { filters: { status: 3 } }, /^filters\.status: expected an array of statuses/],
      ["/api/retry", { filters: "status=failed" }, /^filters: expected a JSON object/],
      ["/api/retry", { filters: { statuses: "failed" } }, /^filters: unknown filter "statuses"/],
      ["/api/retry", {}, /^all: no filter narrows this change/],
    ];
    await changesNothing(async () => {
      for (const [path, body, error] of cases) {
        const answer = await live.call("POST", path, body);
        expect(answer.status, `${path} ${JSON.stringify(body)}`).toBe(400);
        expect((answer.body as { error: string }).error).toMatch(error);
      }
      for (const query of ["__proto__=x", "stores=1001", "store=1001&format=json"]) {
        const answer = await live.call("GET", `/api/status?${query}`);
        expect(answer.status, query).toBe(400);
        expect((answer.body as { error: string }).error).toMatch(
          /^unknown filter "(__proto__|stores|format)"/,
        );
      }
      const onPost = await live.call("POST", "/api/retry?all=true", {
        filters: { status: "failed" },
      });
      expect(onPost.status).toBe(400);
      expect((onPost.body as { error: string }).error).toMatch(/^unknown query parameter "all"/);
    });
  });

  it("filters take lists: repeated parameters, commas and arrays; any value, every filter", async () => {
    const both = await live.call("GET", "/api/status?store=1001&store=3003");
    expect(keys(both.body as ServiceRow[])).toEqual(["1001/01", "1001/02", "3003/01"]);
    const comma = await live.call("GET", "/api/status?store=1001,3003&status=failed,ok");
    expect(keys(comma.body as ServiceRow[])).toEqual(["1001/01", "1001/02", "3003/01"]);
    const narrowed = await live.call("GET", "/api/status?store=1001,3003&status=failed");
    expect(keys(narrowed.body as ServiceRow[])).toEqual(["3003/01"]);
    const groups = await live.call("GET", "/api/status?group=DE/South&group=AT");
    expect(keys(groups.body as ServiceRow[])).toEqual(["2002/01", "3003/01"]);

    const cli = await tillroll("status", "--store", "1001", "--store", "2002", "--json");
    expect(cli.code).toBe(EXIT_CODES.ok);
    expect(keys(JSON.parse(cli.stdout))).toEqual(["1001/01", "1001/02", "2002/01"]);
    const cliComma = await tillroll(
      "status",
      "--store",
      "1001,2002",
      "--status",
      "in-progress",
      "--json",
    );
    expect(keys(JSON.parse(cliComma.stdout))).toEqual(["2002/01"]);
  });

  it("versions are listed newest first, '-' first (they came out as 1.3.0, 1.1.0, 1.2.0, 1.0.0)", async () => {
    const answer = await live.call("GET", "/api/versions?function=pos-client");
    expect(answer.body).toMatchObject({
      function: "pos-client",
      rows: 4,
      versions: [
        { version: "-" },
        { version: "1.3.0" },
        { version: "1.2.0" },
        { version: "1.1.0" },
        { version: "1.0.0" },
      ],
    });
    const cli = await tillroll("versions", "--function", "pos-client");
    expect(
      cli.stdout
        .split("\n")
        .slice(1, 6)
        .map((line) => line.trim().split(/\s+/)[0]),
    ).toEqual(["-", "1.3.0", "1.2.0", "1.1.0", "1.0.0"]);
  });

  it("a dry run prints what would change and be skipped, and changes nothing", async () => {
    const report = await changesNothing(() =>
      live.call("POST", "/api/set-preferred", {
        function: "pos-client",
        version: "1.3.0",
        filters: { store: ["1001", "2002"] },
        dryRun: true,
      }),
    );
    expect(report.status).toBe(200);
    const body = report.body as ChangeReport;
    expect(body.dryRun).toBe(true);
    expect(keys(body.changed)).toEqual(["1001/01", "1001/02"]);
    expect(body.skipped).toEqual([
      expect.objectContaining({ store: "2002", reason: expect.stringMatching(/In Progress/) }),
    ]);

    const cli = await changesNothing(() =>
      tillroll(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        "1.3.0",
        "--store",
        "1001,2002",
        "--dry-run",
      ),
    );
    expect(cli.code).toBe(EXIT_CODES.partial);
    expect(cli.stdout).toBe(
      [
        "Dry run, nothing changed: 2 would change, 1 would be skipped",
        "  would change  1001/01 pos-client -> Prepared, preferred 1.3.0",
        "  would change  1001/02 pos-client -> Prepared, preferred 1.3.0",
        "  would skip    2002/01 pos-client: the update is In Progress: its preferred version cannot be changed until it ends",
        "",
      ].join("\n"),
    );
    const all = await changesNothing(() => tillroll("retry", "--all", "--dry-run", "--json"));
    expect(all.code).toBe(EXIT_CODES.partial);
    expect(keys(JSON.parse(all.stdout).changed)).toEqual(["3003/01"]);
  });

  it("a change that matches nothing, or changes nothing, says so and exits 4, writing nothing", async () => {
    const audit = (await live.call("GET", "/api/audit")).body as unknown[];
    const none = await changesNothing(() =>
      tillroll(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        "1.3.0",
        "--store",
        "9999",
      ),
    );
    expect(none.code).toBe(EXIT_CODES.nothingChanged);
    expect(none.stderr).toMatch(/nothing matched: no row passes the filters; nothing changed/);
    const skipped = await changesNothing(() =>
      tillroll(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        "1.3.0",
        "--store",
        "2002",
      ),
    );
    expect(skipped.code).toBe(EXIT_CODES.nothingChanged);
    expect(skipped.stdout).toMatch(
      /^0 changed, 1 skipped\n {2}skipped {2}2002\/01 pos-client: the update is In Progress/,
    );
    expect(skipped.stderr).toMatch(
      /every matching row was skipped \(1, reasons above\); nothing changed/,
    );
    expect((await live.call("GET", "/api/audit")).body).toEqual(audit);
  });

  it("a change without filters needs --all; --all with filters is refused; both are usage errors", async () => {
    await changesNothing(async () => {
      const bare = await tillroll("retry");
      expect(bare.code).toBe(EXIT_CODES.usage);
      expect(bare.stderr).toMatch(
        /^tillroll: retry: --all: no filter narrows this change, so it would reach every row/,
      );
      const fnOnly = await tillroll(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        "1.3.0",
      );
      expect(fnOnly.code).toBe(EXIT_CODES.usage);
      expect(fnOnly.stderr).toMatch(
        /--all: no filter narrows this change, so it would reach every pos-client in the fleet/,
      );
      const both = await tillroll("retry", "--all", "--status", "failed");
      expect(both.code).toBe(EXIT_CODES.usage);
      expect(both.stderr).toMatch(/cannot be combined with filters \(--status\)/);
      const badFilter = await tillroll("retry", "--store", "1001,a b");
      expect(badFilter.code).toBe(EXIT_CODES.usage);
      expect(badFilter.stderr).toMatch(/^tillroll: retry: --store: "a b" is not a valid store id/);
      const bound = await tillroll(
        "status",
        "--valid-from-from",
        "2026-01-01",
        "--valid-from-from",
        "2026-02-01",
      );
      expect(bound.code).toBe(EXIT_CODES.usage);
      expect(bound.stderr).toMatch(/--valid-from-from: takes one timestamp or date/);
      const twoFunctions = await tillroll(
        "set-preferred",
        "--function",
        "a,b",
        "--version",
        "1.0.0",
        "--store",
        "1",
      );
      expect(twoFunctions.code).toBe(EXIT_CODES.usage);
      expect(twoFunctions.stderr).toMatch(/--function takes one value, got a, b/);
      const refused = await tillroll(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        "9.9.9",
        "--store",
        "1001",
      );
      expect(refused.code).toBe(EXIT_CODES.error);
      expect(refused.stderr).toMatch(/no published pack pos-client 9\.9\.9/);
    });
  });

  it("partial success exits 3; full success exits 0; both are recorded", async () => {
    const partial = await tillroll(
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      "1.3.0",
      "--store",
      "1001",
      "--store",
      "2002",
      "--json",
    );
    expect(partial.code).toBe(EXIT_CODES.partial);
    const report = JSON.parse(partial.stdout) as ChangeReport;
    expect(report.dryRun).toBe(false);
    expect(keys(report.changed)).toEqual(["1001/01", "1001/02"]);
    expect(keys(report.skipped)).toEqual(["2002/01"]);
    const retried = await tillroll("retry", "--status", "failed", "--group", "AT,DE/South");
    expect(retried.code).toBe(EXIT_CODES.ok);
    expect(retried.stdout).toMatch(
      /^1 changed, 0 skipped\n {2}changed {2}3003\/01 pos-client -> Prepared, preferred 1\.3\.0/,
    );
    const audit = (await live.call("GET", "/api/audit")).body as {
      action: string;
      details: unknown;
    }[];
    expect(audit.slice(-2)).toEqual([
      expect.objectContaining({
        action: "set-preferred",
        details: expect.objectContaining({
          filters: { store: ["1001", "2002"], function: ["pos-client"] },
          all: false,
        }),
      }),
      expect.objectContaining({
        action: "retry",
        details: { filters: { status: ["Failed"], group: ["AT", "DE/South"] }, all: false },
      }),
    ]);
  });

  it("--install reaches enrolled workstations without the function only through filters that can hold for them", async () => {
    const enrolled = await live.call("POST", "/api/workstations", {
      store: "4004",
      workstation: "01",
    });
    expect(enrolled.status).toBe(201);
    const dry = (...filters: string[]) =>
      changesNothing(() =>
        tillroll(
          "set-preferred",
          "--function",
          "pos-client",
          "--version",
          "1.0.0",
          "--install",
          "--dry-run",
          "--json",
          ...filters,
        ),
      );
    const plain = await dry("--store", "4004");
    expect(plain.code).toBe(EXIT_CODES.ok);
    expect(keys(JSON.parse(plain.stdout).changed)).toEqual(["4004/01"]);
    const nothingInstalled = await dry("--store", "4004", "--active-version", "1.0.0,-");
    expect(keys(JSON.parse(nothingInstalled.stdout).changed)).toEqual(["4004/01"]);
    // A workstation without the function has no status: a status filter cannot hold for it.
    const byStatus = await dry("--store", "4004", "--status", "failed");
    expect(byStatus.code).toBe(EXIT_CODES.nothingChanged);
    const byVersion = await dry("--store", "4004", "--active-version", "1.0.0");
    expect(byVersion.code).toBe(EXIT_CODES.nothingChanged);
  });
});
