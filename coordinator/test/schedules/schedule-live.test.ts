// Schedules on a live coordinator (real HTTP server, real store, the built `tillroll` in a
// process): roles and scope by the route table and the operation, answers valid by the
// committed openapi.json, refusals writing nothing, GET /api/notices without sign-in, the
// notice line atop `status` and `release list`, and the facts releases read.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedOperator } from "../../src/accounts/operators.js";
import type { RouteName } from "../../src/api/routes.js";
import { EXIT_CODES } from "../../src/cli/exit-codes.js";
import { type Answer, LiveCoordinator } from "../api/live-coordinator.js";
import { answered, callRoute, refused } from "../api/live-routes.js";
import { BERLIN_MON_SAT } from "./schedule-fixtures.js";

const DAY = 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe("schedules on a live coordinator", { timeout: 90_000 }, () => {
  let live: LiveCoordinator;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    live = await LiveCoordinator.start("schedule-live");
    for (const [name, role, scope] of [
      ["vera", "viewer", null],
      ["olga", "operator", null],
      ["nina", "admin", "DE/North"],
    ] as const) {
      const added = await live.call("POST", "/api/operators", { name, role, scope });
      expect(added.status, added.text).toBe(201);
      tokens.set(name, (added.body as IssuedOperator).token);
    }
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  const as = (who: string, name: RouteName, input?: unknown): Promise<Answer> =>
    callRoute(live.url, who === "admin" ? live.token : tokens.get(who), name, input);
  const tillroll = (...args: string[]) => live.tillroll(...args);

  const WINDOW = BERLIN_MON_SAT;

  it("windows and store settings: roles, scope, bad input refused writing nothing", async () => {
    const before = await live.settled();
    refused(
      await as("olga", "setWindow", { group: "DE", window: WINDOW }),
      403,
      /^window set needs the admin role; you are operator$/,
    );
    refused(
      await as("nina", "setWindow", { group: "DE", window: WINDOW }),
      403,
      /^refused: group DE lies outside your scope DE\/North$/,
    );
    refused(
      await as("nina", "setWindow", { store: "2002", window: WINDOW }),
      403,
      /store 2002 has workstations outside your scope/,
    );
    refused(
      await as("admin", "setWindow", { group: "DE", window: { ...WINDOW, tz: "Berlin" } }),
      400,
      /^window\.tz: "Berlin" is not an IANA time zone/,
    );
    refused(
      await as("admin", "setWindow", { group: "DE", store: "1001", window: WINDOW }),
      400,
      /give group or store \(one of them\)/,
    );
    refused(
      await as("admin", "setWindow", { group: "DE", window: { ...WINDOW, durationMinutes: 1441 } }),
      400,
      /^window\.durationMinutes: /,
    );
    refused(
      await as("admin", "setStore", { store: "1001", contact: "nobody" }),
      400,
      /^contact: "nobody" is not an email address/,
    );
    refused(
      await as("admin", "removeWindow", { group: "AT" }),
      404,
      /group AT has no window of its own/,
    );
    expect(await live.settled()).toEqual(before);

    answered("setWindow", await as("admin", "setWindow", { group: "DE", window: WINDOW }));
    answered(
      "setWindow",
      await as("nina", "setWindow", { store: "1001", window: { ...WINDOW, tz: "Europe/Lisbon" } }),
    );
    answered(
      "setStore",
      await as("admin", "setStore", {
        store: "2002",
        tz: "Europe/London",
        contact: "store2002@example.com",
      }),
    );
    const list = answered("listWindows", await as("vera", "listWindows"));
    expect(list).toMatchObject({
      windows: [{ subject: { group: "DE" } }, { subject: { store: "1001" }, setBy: "nina" }],
      stores: [{ store: "2002" }],
    });
    // What releases read (Coordinator.schedules): own window, inherited with the store's zone.
    expect(live.coordinator.schedules.windowFor("1001", "DE/North")?.source).toBe("store 1001");
    expect(live.coordinator.schedules.windowFor("2002", "DE/South")).toEqual({
      window: { ...WINDOW, tz: "Europe/London" },
      source: "group DE (zone of store 2002)",
    });
    expect(live.coordinator.schedules.storeSetting("2002")?.contact).toBe("store2002@example.com");
    const audit = (await as("admin", "audit")).body as { action: string }[];
    expect(audit.map((e) => e.action).filter((a) => /^(window|store) /.test(a))).toEqual([
      "window set",
      "window set",
      "store set",
    ]);
    answered("removeWindow", await as("admin", "removeWindow", { store: "1001" }));
    expect(live.coordinator.schedules.windowFor("1001", "DE/North")?.source).toBe("group DE");
  });

  it("blackouts and notices: platform maintenance for the platform admin; notices without sign-in", async () => {
    const now = Date.now();
    const platform = {
      from: iso(now - 3600_000),
      to: iso(now + 2 * DAY),
      reason: "core switch upgrade",
    };
    refused(
      await as("nina", "addBlackout", platform),
      403,
      /platform maintenance: only the platform admin/,
    );
    refused(
      await as("admin", "addBlackout", { ...platform, to: platform.from }),
      400,
      /^to: .* is not after from/,
    );
    refused(
      await as("admin", "addBlackout", { ...platform, from: "tomorrow" }),
      400,
      /^from: "tomorrow" is not an ISO 8601 timestamp/,
    );
    refused(await as("nobody", "addBlackout", platform), 401, /sign in first/);
    const empty = answered("notices", await as("nobody", "notices"));
    expect(empty).toEqual({ notices: [] });

    const added = answered("addBlackout", await as("admin", "addBlackout", platform));
    expect(added).toMatchObject({
      blackout: { id: "1", group: null, active: true },
      cancelled: [],
    });
    const north = answered(
      "addBlackout",
      await as("nina", "addBlackout", {
        from: iso(now + DAY),
        to: iso(now + 3 * DAY),
        reason: "stock count",
        group: "DE/North",
      }),
    );
    expect(north).toMatchObject({ blackout: { id: "2", group: "DE/North", active: false } });
    expect(
      live.coordinator.schedules.blackoutsAt("DE/North/Hamburg", now + 1.5 * DAY).map((b) => b.id),
    ).toEqual(["1", "2"]);
    expect(live.coordinator.schedules.blackoutsAt("AT", now + 1.5 * DAY).map((b) => b.id)).toEqual([
      "1",
    ]);

    const notices = answered("notices", await as("nobody", "notices"));
    expect(notices).toEqual({
      notices: [
        {
          kind: "platform-maintenance",
          id: "1",
          from: platform.from,
          to: platform.to,
          reason: "core switch upgrade",
          active: true,
        },
      ],
    });
    const seen = answered("listBlackouts", await as("vera", "listBlackouts"));
    expect((seen as unknown as { id: string }[]).map((b) => b.id)).toEqual(["1", "2"]);
    refused(await as("nina", "removeBlackout", { id: "1" }), 403, /only the platform admin/);
    refused(await as("admin", "removeBlackout", { id: "9" }), 404, /^no blackout 9/);
    answered("removeBlackout", await as("nina", "removeBlackout", { id: "2" }));
  });

  it("the console: window, store and blackout commands; notice line atop status and release list", async () => {
    const set = await tillroll(
      "window",
      "set",
      "--group",
      "AT",
      "--tz",
      "Europe/Vienna",
      "--days",
      "sat-mon",
      "--start",
      "23:30",
      "--duration",
      "1h30m",
    );
    expect(set, set.stderr).toMatchObject({ code: EXIT_CODES.ok });
    expect(set.stdout).toMatch(
      /^Window of group AT: sat-mon 23:30 for 1h30m, Europe\/Vienna \(set by admin at /,
    );
    const list = await tillroll("window", "list");
    expect(list.stdout).toMatch(/^SUBJECT\s+ZONE\s+DAYS\s+START\s+DURATION\s+SET BY\s+SET AT\n/);
    expect(list.stdout).toMatch(/group AT\s+Europe\/Vienna\s+sat-mon\s+23:30\s+1h30m\s+admin/);
    const json = JSON.parse((await tillroll("window", "list", "--json")).stdout) as {
      windows: unknown[];
    };
    expect(json.windows.length).toBeGreaterThan(0);
    const store = await tillroll(
      "store",
      "set",
      "3003",
      "--contact",
      "store3003@example.com",
      "--tz",
      "",
    );
    expect(store.stdout).toMatch(
      /^Store 3003: zone - \(inherited windows keep theirs\), contact store3003@example\.com/,
    );
    const bad = await tillroll(
      "window",
      "set",
      "--group",
      "AT",
      "--tz",
      "Europe/Vienna",
      "--days",
      "sat-xyz",
      "--start",
      "23:30",
      "--duration",
      "1h",
    );
    expect(bad.code).toBe(EXIT_CODES.usage);
    expect(bad.stderr).toMatch(/window set: --days: .*xyz/);

    const status = await tillroll("status");
    expect(status.stdout.split("\n").slice(0, 2)).toEqual([
      expect.stringMatching(
        /^Platform maintenance \d{4}-\d\d-\d\d \d\d:\d\dZ to \d{4}-\d\d-\d\d \d\d:\d\dZ: core switch upgrade \(active now\)$/,
      ),
      "",
    ]);
    expect(status.stdout.split("\n")[2]).toMatch(/^Store\s+Workstation/);
    expect(JSON.parse((await tillroll("status", "--json")).stdout)).toBeInstanceOf(Array);
    const releases = await tillroll("release", "list");
    expect(releases.stdout).toMatch(
      /^Platform maintenance .*: core switch upgrade \(active now\)\n\nNo release tasks yet/,
    );

    const from = iso(Date.now() + 10 * DAY);
    const to = iso(Date.now() + 11 * DAY);
    const added = await tillroll(
      "blackout",
      "add",
      "--from",
      from,
      "--to",
      to,
      "--reason",
      "AT inventory",
      "--group",
      "AT",
    );
    expect(added.stdout).toMatch(
      /^Added blackout 3: group AT .*: AT inventory\nNo scheduled task overlapped it\.\n$/,
    );
    const table = await tillroll("blackout", "list");
    expect(table.stdout).toMatch(
      /^ID\s+FROM\s+TO\s+APPLIES TO\s+STATE\s+CREATED BY\s+REASON\n1 .* everything \(platform\)\s+active .*\n3 .* AT\s+upcoming/,
    );
    // Removed is gone, not ended: --all lists ended ones (their periods are past), not removed ones.
    expect((await tillroll("blackout", "list", "--all")).stdout).not.toMatch(/\n2 /);
    const removed = await tillroll("blackout", "remove", "1");
    expect(removed.stdout).toMatch(/^Removed blackout 1: platform maintenance/);
    expect((await tillroll("status")).stdout).toMatch(/^Store\s+Workstation/);
    const again = await tillroll("blackout", "remove", "1");
    expect(again.code).toBe(EXIT_CODES.error);
    expect(again.stderr).toMatch(/no blackout 1/);
  });
});
