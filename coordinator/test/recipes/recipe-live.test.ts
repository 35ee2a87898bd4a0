import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, LiveCoordinator } from "../api/live-coordinator.js";

/**
 * The recipe routes and commands on a live coordinator (issue 13): roles as
 * data (set/unset: admin, a partner admin inside its scope; reads: any role;
 * rebuild: operator), a bad recipe refused naming the field and changing
 * nothing, secrets masked in every answer, the status rows' recipe mark.
 * The fleet: 1001/01, 1001/02 (DE/North), 2002/01 (DE/South), 3003/01 (AT).
 */

const SECRET = "hunter2-hunter2";
const RECIPE = {
  env: { SHOP_URL: "https://shop.example", SHOP_TOKEN: SECRET },
  files: { "config/key.pem": SECRET },
  secrets: ["SHOP_TOKEN", "config/key.pem"],
};

describe("recipes on a live coordinator", { timeout: 60_000 }, () => {
  let live: LiveCoordinator;
  const tokens = new Map<string, string>();

  const as = (who: string, method: string, path: string, body?: unknown): Promise<Answer> =>
    live.callAs(tokens.get(who) ?? live.token, method, path, body);

  beforeAll(async () => {
    live = await LiveCoordinator.start("recipe-live");
    for (const [name, role, scope] of [
      ["vera", "viewer", null],
      ["olga", "operator", null],
      ["paul", "admin", "DE/South"],
    ] as const) {
      const added = await live.call("POST", "/api/operators", {
        name,
        role,
        ...(scope === null ? {} : { scope }),
      });
      expect(added.status, added.text).toBe(201);
      tokens.set(name, (added.body as { token: string }).token);
    }
  }, 30_000);
  afterAll(async () => {
    await live?.close();
  });

  it("set answers version, hash and the rows it affects; secrets are never answered", async () => {
    const set = await live.call("POST", "/api/recipes", {
      function: "pos-client",
      group: "DE",
      recipe: RECIPE,
    });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({
      version: 1,
      changed: true,
      by: "admin",
      affects: ["1001/01/pos-client", "1001/02/pos-client", "2002/01/pos-client"],
    });
    expect(statSync(join(live.dataDir, "recipes.json")).mode & 0o777).toBe(0o600);
    for (const path of [
      "/api/recipes?function=pos-client",
      "/api/recipes?function=pos-client&effective=1001/01",
      "/api/recipes/history?function=pos-client",
      "/api/updates",
      "/api/audit",
      "/api/status",
    ]) {
      const answer = await as("vera", "GET", path);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.text, path).not.toContain(SECRET);
    }
    const shown = await live.call("GET", "/api/recipes?function=pos-client&effective=1001/01");
    expect(shown.body).toMatchObject({
      entries: [
        { scope: { kind: "group", group: "DE" }, content: { env: { SHOP_TOKEN: "(secret)" } } },
      ],
      effective: {
        group: "DE/North",
        recipe: {
          content: {
            env: { SHOP_TOKEN: "(secret)", SHOP_URL: "https://shop.example" },
            files: { "config/key.pem": "(secret)" },
          },
          from: { env: { SHOP_URL: "group DE" } },
        },
      },
    });
    const status = (await live.call("GET", "/api/status")).body as {
      store: string;
      recipe: unknown;
    }[];
    expect(status.map((row) => [row.store, row.recipe])).toEqual([
      ["1001", "outdated"],
      ["1001", "outdated"],
      ["2002", "outdated"],
      ["3003", null],
    ]);
    // The console's page rows (and so its live rows: one builder) carry the same mark.
    const page = (await live.call("GET", "/api/status/page")).body as {
      rows: { store: string; recipe?: unknown }[];
    };
    expect(page.rows.map((row) => [row.store, row.recipe])).toEqual([
      ["1001", "outdated"],
      ["1001", "outdated"],
      ["2002", "outdated"],
      ["3003", null],
    ]);
    // The same content again writes nothing.
    const again = await live.call("POST", "/api/recipes", {
      function: "pos-client",
      group: "DE",
      recipe: RECIPE,
    });
    expect(again.body).toMatchObject({ version: 1, changed: false, affects: [] });
  });

  it("a bad recipe is refused naming the field, and changes nothing", async () => {
    const before = await live.settled();
    const cases: [unknown, RegExp][] = [
      [{ env: { "bad-name": "x" } }, /recipe\.env/],
      [{ env: { A: "x" }, secrets: ["B"] }, /recipe\.secrets: names "B"/],
      [{ files: { "../etc/passwd": "x" } }, /recipe\.files/],
      [{ env: { A: "x".repeat(40_000), B: "y".repeat(40_000) } }, /above the limit of 65536/],
      [{ env: { A: "x" }, extra: 1 }, /extra/],
    ];
    for (const [recipe, message] of cases) {
      const refused = await live.call("POST", "/api/recipes", {
        function: "pos-client",
        group: "DE",
        recipe,
      });
      expect(refused.status, refused.text).toBe(400);
      expect((refused.body as { error: string }).error).toMatch(message);
    }
    const noScope = await live.call("POST", "/api/recipes", {
      function: "pos-client",
      recipe: RECIPE,
    });
    expect(noScope.status).toBe(400);
    expect(noScope.text).toMatch(/give the scope/);
    expect(await live.settled()).toEqual(before);
  });

  it("a recipe whose merge with the others would be over 64 KiB on some row is refused", async () => {
    const big = (name: string, size: number) => ({
      function: "pos-client",
      recipe: { env: { [name]: "x".repeat(size) } },
    });
    const store = await live.call("POST", "/api/recipes", {
      ...big("BIG_ONE", 40_000),
      store: "1001",
    });
    expect(store.status, store.text).toBe(200);
    const over = await live.call("POST", "/api/recipes", {
      ...big("BIG_TWO", 30_000),
      group: "DE/North",
    });
    expect(over.status).toBe(400);
    expect(over.text).toMatch(
      /the effective pos-client recipe of 1001\/01 would be 700\d\d bytes of values and files, above the limit of 65536/,
    );
    // Where no row would be over it, the same recipe is fine.
    const south = await live.call("POST", "/api/recipes", {
      ...big("BIG_TWO", 30_000),
      group: "DE/South",
    });
    expect(south.status, south.text).toBe(200);
    for (const scope of [{ store: "1001" }, { group: "DE/South" }])
      expect(
        (await live.call("POST", "/api/recipes/unset", { function: "pos-client", ...scope }))
          .status,
      ).toBe(200);
  });

  it("roles as data: set/unset an admin's (partner admin inside its scope), reads anyone's, rebuild an operator's", async () => {
    const body = (scope: Record<string, string>) => ({
      function: "pos-client",
      ...scope,
      recipe: { env: { A: "1" } },
    });
    expect((await as("olga", "POST", "/api/recipes", body({ group: "DE" }))).status).toBe(403);
    expect(
      (await as("vera", "POST", "/api/recipes/unset", { function: "pos-client", group: "DE" }))
        .status,
    ).toBe(403);
    const outside = await as("paul", "POST", "/api/recipes", body({ group: "DE" }));
    expect(outside.status).toBe(403);
    expect(outside.text).toMatch(/group DE lies outside your scope DE\/South/);
    const otherStore = await as("paul", "POST", "/api/recipes", body({ store: "1001" }));
    expect(otherStore.status).toBe(403);
    const own = await as(
      "paul",
      "POST",
      "/api/recipes",
      body({ store: "2002", workstation: "01" }),
    );
    expect(own.status, own.text).toBe(200);
    expect(own.body).toMatchObject({ affects: ["2002/01/pos-client"] });
    // The partner admin sees DE (its parent's) and its own, not 1001's store recipe.
    await live.call("POST", "/api/recipes", body({ store: "1001" }));
    const seen = (await as("paul", "GET", "/api/recipes?function=pos-client")).body as {
      entries: { scope: { kind: string } }[];
    };
    expect(seen.entries.map((e) => e.scope.kind)).toEqual(["group", "workstation"]);
    const rows = (await as("paul", "GET", "/api/updates")).body as { store: string }[];
    expect(rows.map((r) => r.store)).toEqual(["2002"]);
    expect(
      (await as("vera", "POST", "/api/rebuild", { function: "pos-client", all: true })).status,
    ).toBe(403);
    const dry = await as("olga", "POST", "/api/rebuild", {
      function: "pos-client",
      all: true,
      dryRun: true,
    });
    expect(dry.status, dry.text).toBe(200);
    // None of these agents said it understands redeploy and recipes (and 2002/01 is In Progress).
    expect(dry.body).toMatchObject({ changed: [], dryRun: true });
    const reasons = (dry.body as { skipped: { store: string; reason: string }[] }).skipped.map(
      (s) => [s.store, s.reason],
    );
    expect(reasons).toEqual([
      ["1001", "agent does not understand redeploy (update tillroll-agent)"],
      ["1001", "agent does not understand redeploy (update tillroll-agent)"],
      ["2002", expect.stringMatching(/In Progress/)],
      ["3003", "agent does not understand redeploy (update tillroll-agent)"],
    ]);
    const noFilter = await as("olga", "POST", "/api/rebuild", { function: "pos-client" });
    expect(noFilter.status).toBe(400);
    expect(noFilter.text).toMatch(/no filter narrows this rebuild/);
    // Unset: a partner admin's own; an unknown one is 404.
    const unset = await as("paul", "POST", "/api/recipes/unset", {
      function: "pos-client",
      store: "2002",
      workstation: "01",
    });
    expect(unset.status, unset.text).toBe(200);
    expect(
      (
        await as("paul", "POST", "/api/recipes/unset", {
          function: "pos-client",
          store: "2002",
          workstation: "01",
        })
      ).status,
    ).toBe(404);
    const history = (await live.call("GET", "/api/recipes/history?function=pos-client")).body as {
      records: {
        scope: { kind: string };
        history: { version: number; action: string; by: string }[];
      }[];
    };
    expect(history.records.find((r) => r.scope.kind === "workstation")?.history).toMatchObject([
      { version: 1, action: "set", by: "paul" },
      { version: 2, action: "unset", by: "paul" },
    ]);
  });

  it("the CLI: set from a file, show with (secret), history, updates; a bad file is a usage error", async () => {
    const file = join(live.root, "recipe.json");
    writeFileSync(file, JSON.stringify({ env: { PRINTER: "lp0", PIN: SECRET }, secrets: ["PIN"] }));
    const set = await live.tillroll(
      "recipe",
      "set",
      "pos-client",
      "--workstation",
      "3003/01",
      "--file",
      file,
    );
    expect(set.stderr).toBe("");
    expect(set.stdout).toMatch(/^Set the pos-client recipe at workstation 3003\/01: version 1/);
    expect(set.stdout).toMatch(/1 row\(s\) affected[^\n]*\n {2}3003\/01\/pos-client/);
    const shown = await live.tillroll("recipe", "show", "pos-client", "--effective", "3003/01");
    expect(shown.stdout).toMatch(/PIN=\(secret\)/);
    expect(shown.stdout).not.toContain(SECRET);
    const updates = await live.tillroll("updates", "--store", "3003");
    expect(updates.stdout).toMatch(/^Store +Workstation +Function/);
    expect(updates.stdout).toMatch(/3003 +01 +pos-client/);
    const status = await live.tillroll("status", "--store", "3003");
    expect(status.stdout).toMatch(/Recipe\n.* outdated\n$/s);
    writeFileSync(file, JSON.stringify({ env: { "no-good": "x" } }));
    const bad = await live.tillroll("recipe", "set", "pos-client", "--group", "AT", "--file", file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/recipe set: .*recipe\.json: env/);
    const two = await live.tillroll(
      "recipe",
      "set",
      "pos-client",
      "--group",
      "AT",
      "--store",
      "1",
      "--file",
      file,
    );
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/give one of --group G, --store S, --workstation S\/W/);
  });
});
