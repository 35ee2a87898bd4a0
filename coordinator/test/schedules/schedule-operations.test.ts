// The schedules console (ScheduleOperations) over real files: roles and scope, bad input
// changing nothing, the blackout's effects (tasks cancelled, notices), audit entries.

import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Operator } from "../../src/accounts/identity.js";
import { AuditLog } from "../../src/audit/audit-log.js";
import type { NoticePublisher } from "../../src/notices/notice-model.js";
import { ScheduleOperations } from "../../src/operations/schedule-operations.js";
import type { BlackoutInput } from "../../src/schedules/schedule-console.js";
import { ScheduleMemory } from "../../src/schedules/schedule-memory.js";
import type { Blackout, ScheduledTasks } from "../../src/schedules/schedule-model.js";
import { JsonAudit } from "../../src/store/json/json-audit.js";
import { JsonSchedules } from "../../src/store/json/json-schedules.js";
import { fakeClock, op } from "../accounts/helpers.js";
import { BERLIN_MON_SAT } from "./schedule-fixtures.js";

const WINDOW = BERLIN_MON_SAT;
const PLATFORM = op("admin", null, "root");
const PARTNER = op("admin", "DE/North", "nina");
const OPERATOR = op("operator", null, "olga");
const VIEWER_AT = op("viewer", "AT", "vic");
const WORKSTATIONS = [
  { store: "1001", group: "DE/North" },
  { store: "1001", group: "DE/North/Hamburg" },
  { store: "2002", group: "DE/South" },
  { store: "3003", group: "AT" },
  { store: "4004", group: "DE/North" },
  { store: "4004", group: "AT" },
];

let dir = "";
let clock: ReturnType<typeof fakeClock>;
let memory: ScheduleMemory;
let ops: ScheduleOperations;
let audit: JsonAudit;
let cancelledFor: Blackout[];
let published: unknown[];
const logs: string[] = [];

async function open(): Promise<void> {
  const schedules = await JsonSchedules.open(dir, () => undefined);
  memory = new ScheduleMemory(await schedules.read());
  audit = new JsonAudit(new AuditLog(join(dir, "audit.jsonl")));
  const tasks: ScheduledTasks = {
    cancelOverlapping: async (blackout) => {
      cancelledFor.push(blackout);
      return [{ id: "3", name: "spring", createdBy: "anna", at: "2026-12-24T02:00:00.000Z" }];
    },
  };
  const notices: NoticePublisher = { publish: async (list) => void published.push(...list) };
  ops = new ScheduleOperations({
    schedules,
    memory,
    workstations: { list: async () => WORKSTATIONS as never },
    tasks,
    notices,
    audit,
    now: clock.now,
    log: (line) => logs.push(line),
  });
}

/** The data folder's files and their hashes: a refusal must leave them as they were. */
function files(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["schedules.json", "audit.jsonl"]) {
    const path = join(dir, name);
    out[name] = existsSync(path)
      ? createHash("sha256").update(readFileSync(path)).digest("hex")
      : "-";
  }
  return out;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "tillroll-schedule-ops-"));
  clock = fakeClock(Date.parse("2026-11-30T08:00:00Z"));
  cancelledFor = [];
  published = [];
  logs.length = 0;
  await open();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const christmas = (group: string | null = null): BlackoutInput => ({
  from: "2026-12-20T00:00:00.000Z",
  to: "2026-12-27T00:00:00.000Z",
  reason: "Christmas freeze",
  group,
});

describe("windows", () => {
  it("the platform admin sets a group window: durable, visible to releases, audited", async () => {
    const set = await ops.setWindow(
      { subject: { kind: "group", group: "DE" }, window: WINDOW },
      PLATFORM,
    );
    expect(set).toEqual({
      ok: true,
      value: {
        subject: { kind: "group", group: "DE" },
        window: WINDOW,
        setBy: "root",
        setAt: "2026-11-30T08:00:00.000Z",
      },
    });
    expect(memory.windowFor("2002", "DE/South")).toEqual({ window: WINDOW, source: "group DE" });
    expect((await audit.list()).map((e) => [e.action, e.details.subject])).toEqual([
      ["window set", "group DE"],
    ]);
    expect(logs.join("\n")).toContain("window set for group DE by root");
    await open();
    expect(memory.windowFor("2002", "DE/South")?.source).toBe("group DE");
  });

  it("a partner admin: its groups and its stores only; refusals change nothing", async () => {
    const sub = { kind: "group", group: "DE/North/Hamburg" } as const;
    expect((await ops.setWindow({ subject: sub, window: WINDOW }, PARTNER)).ok).toBe(true);
    expect(
      (await ops.setWindow({ subject: { kind: "store", store: "1001" }, window: WINDOW }, PARTNER))
        .ok,
    ).toBe(true);
    const before = files();
    for (const [subject, pattern] of [
      [{ kind: "group", group: "DE" }, /^refused: group DE lies outside your scope DE\/North$/],
      [
        { kind: "store", store: "3003" },
        /^refused: store 3003 has workstations outside your scope DE\/North \(groups AT\)$/,
      ],
      [{ kind: "store", store: "4004" }, /outside your scope DE\/North \(groups AT, DE\/North\)/],
      [{ kind: "store", store: "9999" }, /^refused: store 9999 has no enrolled workstation/],
    ] as const) {
      const result = await ops.setWindow({ subject, window: WINDOW }, PARTNER);
      expect(result).toMatchObject({ ok: false, code: "forbidden" });
      expect((result as { error: string }).error).toMatch(pattern);
    }
    expect(await ops.setWindow({ subject: sub, window: WINDOW }, OPERATOR)).toEqual({
      ok: false,
      code: "forbidden",
      error: "window set needs the admin role; you are operator",
    });
    expect(files()).toEqual(before);
    // The platform admin may set a window on a store not enrolled yet.
    expect(
      (await ops.setWindow({ subject: { kind: "store", store: "9999" }, window: WINDOW }, PLATFORM))
        .ok,
    ).toBe(true);
  });

  it("remove: the subject's own window; none is a not-found that writes nothing", async () => {
    await ops.setWindow({ subject: { kind: "group", group: "DE" }, window: WINDOW }, PLATFORM);
    const before = files();
    expect(await ops.removeWindow({ kind: "group", group: "DE/North" }, PLATFORM)).toEqual({
      ok: false,
      code: "not-found",
      error: "group DE/North has no window of its own (tillroll window list)",
    });
    expect(files()).toEqual(before);
    expect(await ops.removeWindow({ kind: "group", group: "DE" }, PARTNER)).toMatchObject({
      code: "forbidden",
    });
    expect(await ops.removeWindow({ kind: "group", group: "DE" }, PLATFORM)).toMatchObject({
      ok: true,
    });
    expect(memory.windowFor("2002", "DE")).toBeNull();
  });

  it("list: windows that reach the viewer's scope (its groups, the groups above, its stores)", async () => {
    for (const group of ["DE", "DE/North/Hamburg", "AT", "DE/South"])
      await ops.setWindow({ subject: { kind: "group", group }, window: WINDOW }, PLATFORM);
    for (const store of ["1001", "3003"])
      await ops.setWindow({ subject: { kind: "store", store }, window: WINDOW }, PLATFORM);
    await ops.setStore({ store: "1001", tz: "Europe/Lisbon" }, PLATFORM);
    const subjects = async (who: Operator) => {
      const list = await ops.listWindows(who);
      if (!list.ok) throw new Error(list.error);
      return [
        ...list.value.windows.map((w) =>
          w.subject.kind === "group" ? w.subject.group : `#${w.subject.store}`,
        ),
        ...list.value.stores.map((s) => `store ${s.store}`),
      ];
    };
    expect(await subjects(PLATFORM)).toEqual([
      "AT",
      "DE",
      "DE/North/Hamburg",
      "DE/South",
      "#1001",
      "#3003",
      "store 1001",
    ]);
    expect(await subjects(PARTNER)).toEqual(["DE", "DE/North/Hamburg", "#1001", "store 1001"]);
    expect(await subjects(VIEWER_AT)).toEqual(["AT", "#3003"]);
  });
});

describe("store settings", () => {
  it("set zone and contact; an absent field is kept, null unsets; nothing given is refused", async () => {
    expect(
      await ops.setStore(
        { store: "1001", tz: "Europe/Lisbon", contact: "shop@example.com" },
        PARTNER,
      ),
    ).toMatchObject({
      ok: true,
      value: { store: "1001", tz: "Europe/Lisbon", contact: "shop@example.com", setBy: "nina" },
    });
    expect(await ops.setStore({ store: "1001", tz: null }, PARTNER)).toMatchObject({
      value: { tz: null, contact: "shop@example.com" },
    });
    expect(memory.storeSetting("1001")).toMatchObject({ tz: null, contact: "shop@example.com" });
    const before = files();
    expect(await ops.setStore({ store: "1001" }, PLATFORM)).toMatchObject({
      ok: false,
      code: "invalid",
      error: expect.stringMatching(/--contact ADDR and\/or --tz ZONE/),
    });
    expect(await ops.setStore({ store: "3003", tz: "Europe/Vienna" }, PARTNER)).toMatchObject({
      code: "forbidden",
    });
    expect(files()).toEqual(before);
    await ops.setStore({ store: "1001", contact: null }, PLATFORM);
    expect(memory.storeSetting("1001")).toBeNull();
    expect((await audit.list()).map((e) => e.action)).toEqual([
      "store set",
      "store set",
      "store set",
    ]);
  });
});

describe("blackouts", () => {
  it("platform maintenance: only the platform admin; cancels overlapping tasks, announces, audits", async () => {
    const before = files();
    expect(await ops.addBlackout(christmas(), PARTNER)).toMatchObject({
      ok: false,
      code: "forbidden",
      error: expect.stringMatching(/platform maintenance: only the platform admin/),
    });
    expect(files()).toEqual(before);
    expect(cancelledFor).toEqual([]);
    const added = await ops.addBlackout(christmas(), PLATFORM);
    expect(added).toEqual({
      ok: true,
      value: {
        blackout: {
          id: "1",
          ...christmas(),
          createdBy: "root",
          createdAt: "2026-11-30T08:00:00.000Z",
          active: false,
          ended: false,
        },
        cancelled: [{ id: "3", name: "spring", createdBy: "anna", at: "2026-12-24T02:00:00.000Z" }],
      },
    });
    expect(cancelledFor.map((b) => b.id)).toEqual(["1"]);
    expect(published).toEqual([
      {
        key: "blackout1-announced",
        notice: {
          event: "blackout.announced",
          blackout: { id: "1", ...christmas() },
          by: "root",
        },
      },
    ]);
    expect(memory.blackoutsAt("AT", Date.parse("2026-12-24T00:00:00Z")).map((b) => b.id)).toEqual([
      "1",
    ]);
    expect((await audit.list()).at(-1)).toMatchObject({
      action: "blackout add",
      details: { id: "1", cancelled: ["3"] },
    });
  });

  it("a partner admin adds and removes blackouts of groups inside its scope only", async () => {
    expect(await ops.addBlackout(christmas("DE/North/Hamburg"), PARTNER)).toMatchObject({
      ok: true,
    });
    expect(await ops.addBlackout(christmas("DE"), PARTNER)).toMatchObject({
      code: "forbidden",
      error: "refused: group DE lies outside your scope DE/North",
    });
    await ops.addBlackout(christmas(), PLATFORM);
    expect(await ops.removeBlackout("2", PARTNER)).toMatchObject({ code: "forbidden" });
    expect(await ops.removeBlackout("7", PLATFORM)).toEqual({
      ok: false,
      code: "not-found",
      error: "no blackout 7 (tillroll blackout list --all)",
    });
    expect(await ops.removeBlackout("1", PARTNER)).toMatchObject({ ok: true, value: { id: "1" } });
    expect(published.at(-1)).toMatchObject({
      key: "blackout1-removed",
      notice: { event: "blackout.removed", by: "nina" },
    });
    expect(await ops.addBlackout(christmas("AT"), op("approver"))).toMatchObject({
      code: "forbidden",
    });
  });

  it.each([
    [
      "to before from",
      { to: "2026-12-19T00:00:00.000Z" },
      /^to: 2026-12-19T00:00:00.000Z is not after from 2026-12-20/,
    ],
    ["to equal to from", { to: "2026-12-20T00:00:00.000Z" }, /^to: .* is not after from/],
    [
      "a period over already",
      { from: "2026-11-01T00:00:00.000Z", to: "2026-11-02T00:00:00.000Z" },
      /^to: .* is in the past/,
    ],
    ["a blank reason", { reason: "   " }, /^reason: is blank/],
    [
      "a reason over 200 characters",
      { reason: "x".repeat(201) },
      /^reason: is longer than 200 characters$/,
    ],
  ])("%s is refused naming the field, and changes nothing", async (_what, change, pattern) => {
    const before = files();
    const result = await ops.addBlackout({ ...christmas(), ...change }, PLATFORM);
    expect(result).toMatchObject({ ok: false, code: "invalid" });
    expect((result as { error: string }).error).toMatch(pattern);
    expect(files()).toEqual(before);
    expect(cancelledFor).toEqual([]);
    expect(published).toEqual([]);
  });

  it("a blackout that began already but has not ended may be added; it is active", async () => {
    const added = await ops.addBlackout(
      { ...christmas(), from: "2026-11-30T07:00:00.000Z" },
      PLATFORM,
    );
    expect(added).toMatchObject({ ok: true, value: { blackout: { active: true } } });
  });

  it("list: current and upcoming (all: ended too), in the viewer's scope; notices: platform ones", async () => {
    await ops.addBlackout(christmas(), PLATFORM);
    await ops.addBlackout(
      { ...christmas("AT"), from: "2026-11-30T07:00:00.000Z", to: "2026-11-30T09:00:00.000Z" },
      PLATFORM,
    );
    await ops.addBlackout({ ...christmas("DE/North"), from: "2026-12-01T00:00:00.000Z" }, PLATFORM);
    const ids = async (who: Operator, all = false) => {
      const list = await ops.listBlackouts(who, all);
      return list.ok ? list.value.map((b) => `${b.id}${b.active ? "*" : ""}`) : list.error;
    };
    expect(await ids(PLATFORM)).toEqual(["2*", "3", "1"]);
    expect(await ids(PARTNER)).toEqual(["3", "1"]);
    expect(await ids(VIEWER_AT)).toEqual(["2*", "1"]);
    clock.advance(2 * 3600_000);
    expect(await ids(PLATFORM)).toEqual(["3", "1"]);
    expect(await ids(PLATFORM, true)).toEqual(["2", "3", "1"]);
    expect(ops.notices()).toEqual([
      {
        kind: "platform-maintenance",
        id: "1",
        from: "2026-12-20T00:00:00.000Z",
        to: "2026-12-27T00:00:00.000Z",
        reason: "Christmas freeze",
        active: false,
      },
    ]);
    clock.advance(Date.parse("2026-12-21T00:00:00Z") - clock.now());
    expect(ops.notices().map((n) => n.active)).toEqual([true]);
    clock.advance(7 * 24 * 3600_000);
    expect(ops.notices()).toEqual([]);
  });
});
