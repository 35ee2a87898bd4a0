import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../support/wait.js";
import { ANNA, type NoticeFleet, noticeFleet, PETRA } from "./notice-fleet.js";

/**
 * Issue 11, acceptance 3: adding a blackout cancels the Scheduled task it
 * overlaps (its owner told by e-mail, through a real SMTP server), a new task
 * starting inside a blackout is refused naming it, and platform maintenance
 * is announced where operators look: GET /api/notices without a login, the
 * line atop `tillroll status` and `tillroll release list`, an e-mail to admins.
 */

const FROM = "2026-12-20T00:00:00Z";
const TO = "2026-12-27T00:00:00Z";
const LINE = "Platform maintenance 2026-12-20 00:00Z to 2026-12-27 00:00Z: Christmas freeze";
/** "2026-12-20T00:00:00Z" as the coordinator may write it (with or without milliseconds). */
const iso = (text: string) => text.replace("Z", "(\\.000)?Z");

describe("schedules end to end: blackouts", { timeout: 120_000 }, () => {
  let world: NoticeFleet;
  let blackoutId = "";
  beforeAll(async () => {
    world = await noticeFleet("schedule-blackout");
  }, 90_000);
  afterAll(async () => {
    await world?.close();
  });

  it.skip("D: blackout add cancels the Scheduled task it overlaps; the owner gets the cancel by e-mail, admins the announcement", async () => {
    const { fleet, mail } = world;
    const task = await fleet.createRelease("anna", {
      name: "christmas eve update",
      function: "pos-client",
      version: "1.1.0",
      stages: [{ name: "all" }],
      schedule: { mode: "at", at: "2026-12-24T02:00:00Z" },
    });
    expect(task.state).toBe("Scheduled");
    const added = await fleet.cli(
      "admin",
      "blackout",
      "add",
      "--from",
      FROM,
      "--to",
      TO,
      "--reason",
      "Christmas freeze",
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(
      new RegExp(
        `cancelled: #${task.id} christmas eve update \\(at 2026-12-24T02:00Z, owner anna\\)`,
      ),
    );
    const listed = await fleet.cli("admin", "blackout", "list", "--json");
    const blackouts = JSON.parse(listed.stdout) as { id: string; reason: string; group: null }[];
    expect(blackouts).toHaveLength(1);
    blackoutId = blackouts[0]?.id ?? "";
    expect((await fleet.show(task.id)).state).toBe("Cancelled");

    const cancelMail = await pollUntil(
      () => mail.to(ANNA).find((m) => /1\.1\.0/.test(`${m.subject}\n${m.text}`)),
      20_000,
      "the cancel e-mail to anna",
      200,
    );
    expect(`${cancelMail.subject}\n${cancelMail.text}`).toMatch(/2026-12-24/);
    expect(`${cancelMail.subject}\n${cancelMail.text}`).toMatch(/cancel/i);
    const announced = await pollUntil(
      () => mail.to(PETRA).find((m) => /Christmas freeze/.test(`${m.subject}\n${m.text}`)),
      20_000,
      "the announcement to petra (an admin)",
      200,
    );
    expect(`${announced.subject}\n${announced.text}`).toMatch(/2026-12-20/);
    expect(`${announced.subject}\n${announced.text}`).toMatch(/2026-12-27/);
    console.log(
      `blackout: cancelled #${task.id}; mails: "${cancelMail.subject}" to anna, "${announced.subject}" to petra (${mail.mails.length} mails in all)`,
    );
  });

  it.skip("D: a new task starting inside a blackout is refused naming it (platform at its time, a group one now)", async () => {
    const { fleet } = world;
    const inside = await fleet.tryCreateRelease("anna", {
      name: "boxing day update",
      function: "pos-client",
      version: "1.1.0",
      stages: [{ name: "all" }],
      schedule: { mode: "at", at: "2026-12-25T03:00:00Z" },
    });
    expect(inside.code).not.toBe(0);
    expect(inside.stderr).toMatch(
      new RegExp(
        `refused: blackout ${blackoutId} \\(Christmas freeze, ${iso(FROM)} to ${iso(TO)}\\) covers the start`,
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
    const groupId = (JSON.parse(group.stdout) as { blackout?: { id: string }; id?: string })
      .blackout?.id;
    const north = await fleet.tryCreateRelease("anna", {
      name: "north now",
      function: "pos-client",
      version: "1.1.0",
      target: { store: ["1001"] },
      stages: [{ name: "all" }],
      schedule: { mode: "immediately" },
    });
    expect(north.code).not.toBe(0);
    expect(north.stderr).toMatch(/refused: blackout \d+ \(stocktaking, .+\) covers the start/);
    const south = await fleet.createRelease("anna", {
      name: "south now",
      function: "pos-client",
      version: "1.1.0",
      target: { store: ["1002"] },
      stages: [{ name: "all" }],
    });
    expect(south.state).toBe("Ready");
    await fleet.operate("admin", "cancel", south.id);
    if (groupId !== undefined) await fleet.cli("admin", "blackout", "remove", groupId);
  });

  it.skip("D: platform maintenance is shown by GET /api/notices without a login and atop status and release list", async () => {
    const { fleet } = world;
    const notices = await fleet.api(null, "GET", "/api/notices");
    expect(notices.status).toBe(200);
    expect(notices.body).toMatchObject({
      notices: [
        {
          kind: "platform-maintenance",
          id: blackoutId,
          reason: "Christmas freeze",
          active: false,
        },
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
  });
});
