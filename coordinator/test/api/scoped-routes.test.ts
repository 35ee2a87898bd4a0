import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedOperator } from "../../src/accounts/operators.js";
import { type Answer, LiveCoordinator } from "./live-coordinator.js";

/**
 * Scope on every scoped route of a live coordinator (issue 9): a partner
 * admin and a scoped operator of DE/North against the fleet of
 * live-coordinator.ts (DE/North 1001/01 and 1001/02, DE/South 2002/01,
 * AT 3003/01). Reads show only rows in scope; changes reaching any row
 * outside it are refused whole with 403 and write nothing.
 */

let live: LiveCoordinator;
const tokens = new Map<string, string>();

async function as(name: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${live.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens.get(name) ?? "none"}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), text };
}

const errorOf = (answer: Answer) => (answer.body as { error?: string }).error;

describe("scoped routes", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    live = await LiveCoordinator.start("scoped-routes");
    for (const [name, role, scope] of [
      ["nora", "admin", "DE/North"],
      ["otto", "operator", "DE/North"],
    ]) {
      const added = await live.call("POST", "/api/operators", { name, role, scope });
      expect(added.status).toBe(201);
      tokens.set(name as string, (added.body as IssuedOperator).token);
    }
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it("reads show only the rows in scope", async () => {
    const status = await as("otto", "GET", "/api/status");
    expect((status.body as { store: string }[]).map((r) => r.store).sort()).toEqual([
      "1001",
      "1001",
    ]);
    const list = await as("otto", "GET", "/api/workstations");
    expect((list.body as { group: string }[]).map((w) => w.group)).toEqual([
      "DE/North",
      "DE/North",
    ]);
    const versions = await as("otto", "GET", "/api/versions?function=pos-client");
    expect((versions.body as { rows: number }).rows).toBe(2);
  });

  it("changes reaching rows outside the scope are refused whole, writing nothing", async () => {
    const before = await live.settled();
    const refusals: [string, string, string, unknown][] = [
      ["otto", "POST", "/api/retry", { all: true }],
      ["otto", "POST", "/api/retry", { filters: { store: ["3003"] }, dryRun: true }],
      [
        "otto",
        "POST",
        "/api/set-preferred",
        { function: "pos-client", version: "-", filters: { group: ["DE"] } },
      ],
      ["nora", "POST", "/api/workstations", { store: "4004", workstation: "01", group: "AT" }],
      [
        "nora",
        "POST",
        "/api/workstations",
        {
          workstations: [
            { store: "4004", workstation: "01", group: "DE/North" },
            { store: "4004", workstation: "02" },
          ],
        },
      ],
      ["nora", "POST", "/api/workstations/remove", { store: "2002", workstation: "01" }],
      ["nora", "POST", "/api/workstations/rekey", { store: "3003", workstation: "01" }],
    ];
    for (const [who, method, path, body] of refusals) {
      const answer = await as(who, method, path, body);
      expect(`${path} ${answer.status}`).toBe(`${path} 403`);
      expect(errorOf(answer)).toMatch(
        /^refused: \d+ of \d+ rows? (is|are) outside your scope DE\/North \(groups? /,
      );
    }
    expect(errorOf(await as("otto", "POST", "/api/retry", { all: true }))).toBe(
      "refused: 2 of 4 rows are outside your scope DE/North (groups AT, DE/South)",
    );
    expect(await live.settled()).toEqual(before);
  });

  it("a partner admin manages operators inside its scope only, and never packs", async () => {
    const wide = await as("nora", "POST", "/api/operators", { name: "wim", role: "viewer" });
    expect(wide.status).toBe(403);
    expect(errorOf(wide)).toMatch(/outside your scope DE\/North/);
    const inside = await as("nora", "POST", "/api/operators", {
      name: "hank",
      role: "operator",
      scope: "DE/North/Hamburg",
    });
    expect(inside.status).toBe(201);
    const list = await as("nora", "GET", "/api/operators");
    expect((list.body as { name: string }[]).map((o) => o.name)).toEqual(["hank", "nora", "otto"]);
    expect((await as("nora", "POST", "/api/operators/reset", { name: "admin" })).status).toBe(403);
    const withdraw = await as("nora", "POST", "/api/packs/withdraw", {
      name: "pos-client",
      version: "1.0.0",
    });
    expect(withdraw.status).toBe(403);
    expect(errorOf(withdraw)).toMatch(/without a scope \(platform level\)/);
  });

  it("a reset ends the old token at once; a removed operator is refused", async () => {
    const old = tokens.get("otto");
    const reset = await as("nora", "POST", "/api/operators/reset", { name: "otto" });
    expect(reset.status).toBe(200);
    expect((await as("otto", "GET", "/api/status")).status).toBe(401);
    tokens.set("otto", (reset.body as IssuedOperator).token);
    expect(old).not.toBe(tokens.get("otto"));
    expect((await as("otto", "GET", "/api/status")).status).toBe(200);
    expect((await as("nora", "POST", "/api/operators/remove", { name: "otto" })).status).toBe(200);
    expect((await as("otto", "GET", "/api/status")).status).toBe(401);
  });
});
