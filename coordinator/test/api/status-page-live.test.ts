import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedOperator } from "../../src/accounts/operators.js";
import type { Answer as RouteAnswer } from "../../src/api/routes.js";
import { type Answer, LiveCoordinator } from "./live-coordinator.js";

/**
 * The web console's status routes (issue 12) on a live coordinator with the
 * fleet of live-coordinator.ts (DE/North 1001/01 OK 1.0.0 and 1001/02 OK
 * 1.1.0, DE/South 2002/01 In Progress, AT 3003/01 Failed): a page with its
 * counts, sort and paging, the scope folded in before counting, what each
 * row's controls need; the facets; and set-preferred / retry narrowed to
 * rows picked by key.
 */

let live: LiveCoordinator;
const tokens = new Map<string, string>();

async function as(name: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${live.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${name === "admin" ? live.token : (tokens.get(name) ?? "none")}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), text };
}

type Page = RouteAnswer<"statusPage">;
type Report = RouteAnswer<"setPreferred">;

const page = async (who: string, query = ""): Promise<Page> => {
  const answer = await as(who, "GET", `/api/status/page${query}`);
  expect(answer.status, answer.text).toBe(200);
  return answer.body as Page;
};
const keys = (rows: readonly { store: string; workstation: string; function: string }[]) =>
  rows.map((row) => `${row.store}/${row.workstation}/${row.function}`);
const errorOf = (answer: Answer) => (answer.body as { error?: string }).error;

const NONE = { OK: 0, Prepared: 0, "In Progress": 0, "Not Ready": 0, "Rolled Back": 0, Failed: 0 };

describe("status page, facets and row-keyed changes", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    live = await LiveCoordinator.start("status-page");
    for (const [name, role, scope] of [
      ["vera", "viewer", "DE/North"],
      ["otto", "operator", "DE/North"],
    ]) {
      const added = await live.call("POST", "/api/operators", { name, role, scope });
      expect(added.status).toBe(201);
      tokens.set(name as string, (added.body as IssuedOperator).token);
    }
    const zone = await live.call("POST", "/api/stores", { store: "1001", tz: "Europe/Berlin" });
    expect(zone.status, zone.text).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it("answers the first page in the usual order with the view's total and counts", async () => {
    const first = await page("admin");
    expect(first).toMatchObject({ total: 4, offset: 0, limit: 100 });
    expect(first.counts).toEqual({ ...NONE, OK: 2, "In Progress": 1, Failed: 1 });
    expect(keys(first.rows)).toEqual([
      "1001/01/pos-client",
      "1001/02/pos-client",
      "2002/01/pos-client",
      "3003/01/pos-client",
    ]);
    const byKey = new Map(first.rows.map((row) => [keys([row])[0], row]));
    // Packs 1.0.0 (from anything), 1.3.0 (>=1.0.0), 1.2.0 (>=1.1.0), 1.1.0 (>=1.0.0 <1.1.0).
    expect(byKey.get("1001/01/pos-client")).toMatchObject({
      allowedVersions: ["1.3.0", "1.1.0"],
      selectable: true,
      storeZone: "Europe/Berlin",
    });
    expect(byKey.get("1001/02/pos-client")?.allowedVersions).toEqual(["1.3.0", "1.2.0", "1.0.0"]);
    expect(byKey.get("2002/01/pos-client")).toMatchObject({ selectable: false, storeZone: null });
    expect(byKey.get("3003/01/pos-client")).toMatchObject({
      selectable: true,
      status: "Failed",
      reason: "rollback failed",
    });
  });

  it("sorts, pages and filters; counts cover every page of the filtered view", async () => {
    const byStatus = await page("admin", "?sort=status&dir=desc&limit=2");
    expect(keys(byStatus.rows)).toEqual(["3003/01/pos-client", "2002/01/pos-client"]);
    expect(byStatus.total).toBe(4);
    const second = await page("admin", "?sort=status&dir=desc&limit=2&offset=2");
    expect(keys(second.rows)).toEqual(["1001/01/pos-client", "1001/02/pos-client"]);
    const active = await page("admin", "?sort=activeVersion&dir=desc&limit=1");
    expect(active.rows[0]?.activeVersion).toBe("1.2.0");
    const filtered = await page("admin", "?group=DE&status=ok,failed");
    expect(filtered.total).toBe(2);
    expect(filtered.counts).toEqual({ ...NONE, OK: 2 });
    expect((await page("admin", "?offset=10")).rows).toEqual([]);
  });

  it("folds the caller's scope into the view before counting", async () => {
    const scoped = await page("vera");
    expect(scoped.total).toBe(2);
    expect(scoped.counts).toEqual({ ...NONE, OK: 2 });
    expect(keys(scoped.rows)).toEqual(["1001/01/pos-client", "1001/02/pos-client"]);
    // A group filter outside the scope does not widen it.
    expect(await page("vera", "?group=AT")).toMatchObject({ total: 0, rows: [] });
  });

  it("lists the facets in the caller's scope", async () => {
    const all = await as("admin", "GET", "/api/status/facets");
    expect(all.body).toEqual({
      groups: ["AT", "DE/North", "DE/South"],
      functions: ["pos-client"],
      versions: ["1.3.0", "1.2.0", "1.1.0", "1.0.0"],
    });
    const scoped = await as("vera", "GET", "/api/status/facets");
    expect(scoped.body).toEqual({
      groups: ["DE/North"],
      functions: ["pos-client"],
      versions: ["1.1.0", "1.0.0"],
    });
  });

  it("refuses a bad page query with a 400 naming the parameter", async () => {
    for (const [query, error] of [
      ["?limit=0", /^limit: expected a whole number from 1 to 500/],
      ["?limit=501", /^limit: expected a whole number from 1 to 500/],
      ["?offset=-1", /^offset: expected a whole number from 0 /],
      ["?offset=1.5", /^offset: expected a whole number/],
      ["?sort=colour", /^sort: /],
      ["?dir=up", /^dir: /],
      ["?page=2", /^unknown query parameter "page" \(known: store, .*offset, limit, sort, dir\)/],
      ["?status=done", /^status: "done" is not one of/],
    ] as const) {
      const answer = await as("admin", "GET", `/api/status/page${query}`);
      expect(`${query} ${answer.status}`).toBe(`${query} 400`);
      expect(errorOf(answer)).toMatch(error);
    }
    const facets = await as("admin", "GET", "/api/status/facets?group=DE");
    expect(facets.status).toBe(400);
  });

  it("narrows set-preferred and retry to the rows named, intersected with the filters", async () => {
    const before = await live.settled();
    const dry = await as("admin", "POST", "/api/set-preferred", {
      version: "1.3.0",
      rows: [
        { store: "1001", workstation: "01", function: "pos-client" },
        { store: "3003", workstation: "01", function: "pos-client" },
      ],
      filters: { group: ["DE"] },
      dryRun: true,
    });
    expect(dry.status, dry.text).toBe(200);
    const report = dry.body as Report;
    expect(report.dryRun).toBe(true);
    expect(keys([...report.changed, ...report.skipped])).toEqual(["1001/01/pos-client"]);
    const retry = await as("admin", "POST", "/api/retry", {
      rows: [
        { store: "3003", workstation: "01", function: "pos-client" },
        { store: "1001", workstation: "02", function: "pos-client" },
      ],
      dryRun: true,
    });
    expect(retry.status, retry.text).toBe(200);
    expect(keys((retry.body as Report).changed)).toEqual(["3003/01/pos-client"]);
    expect(await live.settled()).toEqual(before);

    const set = await as("admin", "POST", "/api/set-preferred", {
      function: "pos-client",
      version: "1.3.0",
      rows: [{ store: "1001", workstation: "02", function: "pos-client" }],
    });
    expect(set.status, set.text).toBe(200);
    expect(keys((set.body as Report).changed)).toEqual(["1001/02/pos-client"]);
    const after = await page("admin", "?store=1001");
    expect(after.rows.map((row) => row.preferredVersion)).toEqual([null, "1.3.0"]);
  });

  it("refuses row lists that name another function, are empty, or reach outside the scope", async () => {
    const other = await as("admin", "POST", "/api/set-preferred", {
      function: "pos-client",
      version: "1.3.0",
      rows: [{ store: "1001", workstation: "01", function: "scale" }],
    });
    expect(other.status).toBe(400);
    expect(errorOf(other)).toMatch(/^rows: set-preferred changes one function \(pos-client\)/);
    const empty = await as("admin", "POST", "/api/retry", { rows: [] });
    expect(empty.status).toBe(400);
    expect(errorOf(empty)).toMatch(/^rows: is an empty list/);
    const outside = await as("otto", "POST", "/api/retry", {
      rows: [{ store: "3003", workstation: "01", function: "pos-client" }],
      dryRun: true,
    });
    expect(outside.status).toBe(403);
    expect(errorOf(outside)).toMatch(/^refused: 1 of 1 row is outside your scope DE\/North/);
    const viewer = await as("vera", "POST", "/api/retry", {
      rows: [{ store: "1001", workstation: "01", function: "pos-client" }],
    });
    expect(viewer.status).toBe(403);
  });

  it("reads the audit within from/to (inclusive), refusing a range that ends before it starts", async () => {
    const all = (await as("admin", "GET", "/api/audit")).body as { at: string; action: string }[];
    const set = all.find((entry) => entry.action === "set-preferred");
    expect(set).toBeDefined();
    const at = set?.at ?? "";
    const within = await as("admin", "GET", `/api/audit?from=${at}&to=${at}`);
    expect(within.status, within.text).toBe(200);
    expect((within.body as { at: string }[]).map((entry) => entry.at)).toEqual(
      all.filter((entry) => entry.at === at).map((entry) => entry.at),
    );
    const later = await as("admin", "GET", "/api/audit?from=2999-01-01T00:00:00Z");
    expect(later.body).toEqual([]);
    const earlier = await as("admin", "GET", "/api/audit?to=2000-01-01T00:00:00Z");
    expect(earlier.body).toEqual([]);
    const backwards = await as(
      "admin",
      "GET",
      "/api/audit?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z",
    );
    expect(backwards.status).toBe(400);
    expect(errorOf(backwards)).toMatch(/^to: .* is before from/);
    const bad = await as("admin", "GET", "/api/audit?from=yesterday");
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatch(/^from: "yesterday" is not an ISO 8601 timestamp/);
  });

  it("tillroll audit --from/--to narrows the audit the same way", async () => {
    const none = await live.tillroll("audit", "--from", "2999-01-01T00:00:00Z", "--json");
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual([]);
    const some = await live.tillroll(
      "audit",
      "--from",
      "2000-01-01T00:00:00Z",
      "--to",
      "2999-01-01T00:00:00Z",
      "--json",
    );
    expect(some.code, some.stderr).toBe(0);
    expect((JSON.parse(some.stdout) as unknown[]).length).toBeGreaterThan(0);
    const bad = await live.tillroll("audit", "--to", "soon");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/to: "soon" is not an ISO 8601 timestamp/);
  });
});
