import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../support/wait.js";
import { nextYearOf } from "./future-dates.js";
import { ANNA, type NoticeFleet, noticeFleet, PETRA } from "./notice-fleet.js";

/**
 * Issue 11, acceptance 3: platform maintenance is announced where operators
 * look (GET /api/notices without a login, the line atop `tillroll status`
 * and `tillroll release list`, an e-mail to admins through a real SMTP
 * server); adding a blackout cancels the Scheduled task it overlaps, its
 * owner told by e-mail; a new task starting inside a blackout is refused
 * naming it.
 */

/**
 * The next Christmas freeze that starts a week from now or later (a fixed year
 * broke the test once its dates had passed: the coordinator refuses a start in
 * the past), and the New Year after it.
 */
const YEAR = nextYearOf(12, 20, { minDaysAhead: 7 });
const NEXT = YEAR + 1;
const FROM = `${YEAR}-12-20T00:00:00Z`;
const TO = `${YEAR}-12-27T00:00:00Z`;
const LINE = `Platform maintenance ${YEAR}-12-20 00:00Z to ${YEAR}-12-27 00:00Z: Christmas freeze`;
/** FROM as the coordinator may write it (with or without milliseconds). */
const iso = (text: string) => text.replace("Z", "(\\.000)?Z");
const text = (m: { subject: string; text: string }) => `${m.subject}\n${m.text}`;

describe("schedules end to end: blackouts", { timeout: 120_000 }, () => {
  let world: NoticeFleet;
  /** The Christmas freeze, platform maintenance added before the tests. */
  let christmas = "";
  beforeAll(async () => {
    world = await noticeFleet("schedule-blackout");
    const added = await world.fleet.cli(
      "admin",
      "blackout",
      "add",
      "--from",
      FROM,
      "--to",
      TO,
      "--reason",
      "Christmas freeze",
      "--json",
    );
    if (added.code !== 0) throw new Error(`blackout add: ${added.stderr}`);
    christmas = (JSON.parse(added.stdout) as { blackout: { id: string } }).blackout.id;
  }, 90_000);
  afterAll(async () => {
    await world?.close();
  });

  it("D: platform maintenance is shown by GET /api/notices without a login, atop status and release list, and mailed to admins", async () => {
    const { fleet, mail } = world;
    const notices = await fleet.api(null, "GET", "/api/notices");
    expect(notices.status).toBe(200);
    expect(notices.body).toMatchObject({
      notices: [
        { kind: "platform-maintenance", id: christmas, reason: "Christmas freeze", active: false },
      ],
    });
    const [first] = (notices.body as { notices: { from: string; to: string }[] }).notices;
    expect(Date.parse(first?.from ?? "")).toBe(Date.parse(FROM));
    expect(Date.parse(first?.to ?? "")).toBe(Date.parse(TO));
    for (const command of [["status"], ["release", "list"]]) {
      const shown = await fleet.cli("rita", ...command);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout.split("\n")[0]).toBe(LINE);
    }
    // --json stays as it was: the rows, no notice line.
    const json = await fleet.cli("rita", "status", "--json");
    expect(Array.isArray(JSON.parse(json.stdout))).toBe(true);
    // The announcement reaches the admins (petra, partner admin of DE) with start and end.
    const announced = await pollUntil(
      () => mail.to(PETRA).find((m) => text(m).includes("Christmas freeze")),
      20_000,
      "the announcement to petra",
      200,
    );
    expect(text(announced)).toMatch(`${YEAR}-12-20`);
    expect(text(announced)).toMatch(`${YEAR}-12-27`);
    console.log(`blackout announced: "${announced.subject}" to ${announced.to.join(", ")}`);
  });

  it("D: blackout add cancels the Scheduled task it overlaps, naming it; the owner gets the cancel by e-mail", async () => {
    const { fleet, mail } = world;
    const task = await fleet.createRelease("anna", {
      name: "new year update",
      function: "pos-client",
      version: "1.1.0",
      stages: [{ name: "all" }],
      schedule: { mode: "at", at: `${NEXT}-01-01T02:00:00Z` },
    });
    expect(task.state).toBe("Scheduled");
    const added = await fleet.cli(
      "admin",
      "blackout",
      "add",
      "--from",
      `${YEAR}-12-31T00:00:00Z`,
      "--to",
      `${NEXT}-01-02T00:00:00Z`,
      "--reason",
      "New Year freeze",
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(
      `cancelled: #${task.id} new year update (at ${NEXT}-01-01T02:00Z, owner anna)`,
    );
    expect((await fleet.show(task.id)).state).toBe("Cancelled");
    const cancelMail = await pollUntil(
      () => mail.to(ANNA).find((m) => /cancel/i.test(text(m))),
      20_000,
      "the cancel e-mail to anna",
      200,
    );
    expect(text(cancelMail)).toMatch(/1\.1\.0/);
    expect(text(cancelMail)).toMatch(`${NEXT}-01-01`);
    console.log(`blackout cancelled #${task.id}; anna got "${cancelMail.subject}"`);
  });

  it("D: a new task starting inside a blackout is refused naming it (platform at its time, a group one now)", async () => {
    const { fleet } = world;
    const inside = await fleet.tryCreateRelease("anna", {
      name: "boxing day update",
      function: "pos-client",
      version: "1.1.0",
      stages: [{ name: "all" }],
      schedule: { mode: "at", at: `${YEAR}-12-25T03:00:00Z` },
    });
    expect(inside.code).not.toBe(0);
    expect(inside.stderr).toMatch(
      new RegExp(
        `refused: blackout ${christmas} \\(Christmas freeze, ${iso(FROM)} to ${iso(TO)}\\) covers the start`,
      ),
    );
    // A group blackout running now refuses a task of that group started now, not one elsewhere.
    const now = Date.now();
    const group = await fleet.cli(
      "admin",
      "blackout",
      "add",
      "--group",
      "DE/North",
      "--from",
      new Date(now - 60_000).toISOString(),
      "--to",
      new Date(now + 3_600_000).toISOString(),
      "--reason",
      "stocktaking",
      "--json",
    );
    expect(group.code, group.stderr).toBe(0);
    const groupId = (JSON.parse(group.stdout) as { blackout: { id: string } }).blackout.id;
    const north = await fleet.tryCreateRelease("anna", {
      name: "north now",
      function: "pos-client",
      version: "1.1.0",
      target: { store: ["1001"] },
      stages: [{ name: "all" }],
      schedule: { mode: "immediately" },
    });
    expect(north.code).not.toBe(0);
    expect(north.stderr).toMatch(
      new RegExp(`refused: blackout ${groupId} \\(stocktaking, .+\\) covers the start`),
    );
    const south = await fleet.createRelease("anna", {
      name: "south now",
      function: "pos-client",
      version: "1.1.0",
      target: { store: ["1002"] },
      stages: [{ name: "all" }],
    });
    expect(south.state).toBe("Ready");
    await fleet.operate("admin", "cancel", south.id);
    const removed = await fleet.cli("admin", "blackout", "remove", groupId);
    expect(removed.code, removed.stderr).toBe(0);
  });
});
