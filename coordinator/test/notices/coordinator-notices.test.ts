// The notices wired into a real coordinator (in this process, temp data folder) with a real
// SMTP server and a real webhook receiver on loopback: webhooks are the platform admin's
// (a partner admin is refused), bad input is refused naming what was wrong and changes
// nothing, the secret is never shown again and kept mode 600, and a blackout added and
// removed through the API reaches the webhook (signed, in order) and the admins' mailboxes.

import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Coordinator } from "../../src/coordinator.js";
import { FAST_SCRYPT } from "../accounts/helpers.js";
import { SmtpReceiver, subjectOf } from "./smtp-receiver.js";
import { until, WebhookReceiver } from "./webhook-receiver.js";

const SECRET = "webhook-secret-for-tests";
let root = "";
let coordinator: Coordinator;
let smtp: SmtpReceiver;
let hook: WebhookReceiver;
let adminToken = "";
let partnerToken = "";
const logs: string[] = [];

async function call(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${coordinator.httpUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "tillroll-coord-notices-"));
  smtp = await SmtpReceiver.start();
  hook = await WebhookReceiver.start(SECRET);
  coordinator = await Coordinator.start({
    dataDir: join(root, "data"),
    mqttPort: 0,
    httpPort: 0,
    passwordParams: FAST_SCRYPT,
    mail: { smtp: smtp.url, from: "tillroll@example.com" },
    log: (line) => logs.push(line),
  });
  adminToken = readFileSync(join(coordinator.dataDir, "operator-token"), "utf8").trim();
  const partner = await call(adminToken, "POST", "/api/operators", {
    name: "nord",
    role: "admin",
    scope: "DE/North",
    email: "nord@example.com",
  });
  expect(partner.status, partner.text).toBe(201);
  partnerToken = String(partner.body.token);
}, 30_000);

afterAll(async () => {
  await coordinator?.stop();
  await smtp?.close();
  await hook?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("webhooks through the API", () => {
  it("are the platform admin's: a partner admin is refused, naming the rule", async () => {
    for (const [method, path, body] of [
      ["GET", "/api/webhooks", undefined],
      ["POST", "/api/webhooks", { url: hook.url, secret: SECRET }],
      ["POST", "/api/webhooks/remove", { id: "1" }],
    ] as const) {
      const refused = await call(partnerToken, method, path, body);
      expect(refused.status, path).toBe(403);
      expect(refused.body.error).toMatch(
        /needs an admin without a scope \(platform level\); you are admin with scope DE\/North/,
      );
    }
  });

  it.each([
    [
      { url: "ftp://example.com/x", secret: SECRET },
      /^url: "ftp:\/\/example\.com\/x" is not an http:\/\/ or https:\/\/ URL/,
    ],
    [{ url: "hooks.example.com", secret: SECRET }, /is not an http:\/\/ or https:\/\/ URL/],
    [{ url: "http://127.0.0.1/x", secret: "short" }, /^secret: is shorter than 8 characters/],
    [
      { url: "http://127.0.0.1/x", secret: SECRET, events: ["task.planned", "task.exploded"] },
      /^events\.1: "task\.exploded" is not an event; the events are task\.planned, task\.cancelled, blackout\.announced, blackout\.removed, release\.stage-started/,
    ],
    [{ url: "http://127.0.0.1/x", secret: SECRET, colour: "red" }, /unknown field "colour"/],
  ])("refuses %j, naming what is wrong, and adds nothing", async (body, message) => {
    const refused = await call(adminToken, "POST", "/api/webhooks", body);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error).toMatch(message);
    expect((await call(adminToken, "GET", "/api/webhooks")).body).toEqual([]);
  });

  it("adds one whose secret is never shown again and is stored mode 600", async () => {
    const added = await call(adminToken, "POST", "/api/webhooks", {
      url: hook.url,
      secret: SECRET,
    });
    expect(added.status, added.text).toBe(201);
    expect(added.body).toMatchObject({
      id: "1",
      url: hook.url,
      secret: "set",
      events: null,
      createdBy: "admin",
    });
    const listed = await call(adminToken, "GET", "/api/webhooks");
    expect(listed.text).not.toContain(SECRET);
    expect(added.text).not.toContain(SECRET);
    expect(statSync(join(coordinator.dataDir, "webhooks.json")).mode & 0o777).toBe(0o600);
    const audit = await call(adminToken, "GET", "/api/audit");
    expect(JSON.stringify(audit.body)).toContain('"action":"webhook add"');
    expect(logs.some((l) => l.startsWith(`webhook 1 added by admin: ${hook.url}`))).toBe(true);
    expect(logs).toContain(`notices: e-mail through ${smtp.url} from tillroll@example.com`);
  });

  it("a blackout added and removed reaches the webhook in order, signed, and the admins by mail", async () => {
    const from = new Date(Date.now() + 24 * 3600_000).toISOString().slice(0, 19).concat("Z");
    const to = new Date(Date.now() + 48 * 3600_000).toISOString().slice(0, 19).concat("Z");
    const added = await call(adminToken, "POST", "/api/blackouts", {
      from,
      to,
      reason: "Christmas freeze",
    });
    expect(added.status, added.text).toBe(201);
    const id = (added.body.blackout as { id: string }).id;
    expect((await call(adminToken, "POST", "/api/blackouts/remove", { id })).status).toBe(200);
    await until("both notices", () => hook.received.length === 2);
    expect(hook.received.map((r) => r.event)).toEqual(["blackout.announced", "blackout.removed"]);
    expect(hook.badSignatures).toEqual([]);
    expect(hook.received[0]?.data).toMatchObject({
      blackout: { id, reason: "Christmas freeze", group: null },
      by: "admin",
    });
    await until("both mails", () => smtp.mails.length === 2);
    // The bootstrap admin has no e-mail; the partner admin has one and hears of platform maintenance.
    expect(smtp.mails.map((m) => m.to)).toEqual([["nord@example.com"], ["nord@example.com"]]);
    expect(subjectOf(smtp.mails[0]?.raw ?? "")).toBe(
      `Platform maintenance announced: ${from.slice(0, 10)} ${from.slice(11, 16)} UTC to ${to.slice(0, 10)} ${to.slice(11, 16)} UTC`,
    );
  });

  it("a task's mails use the schedules: the store's contact, and its window's zone for local time", async () => {
    const enrolled = await call(adminToken, "POST", "/api/workstations", {
      store: "1001",
      workstation: "01",
      group: "DE/North/Berlin",
    });
    expect(enrolled.status, enrolled.text).toBe(201);
    const window = {
      tz: "Europe/Berlin",
      days: ["mon", "tue"],
      start: "02:00",
      durationMinutes: 180,
    };
    expect(
      (await call(adminToken, "POST", "/api/windows", { group: "DE/North", window })).status,
    ).toBe(200);
    const store = await call(adminToken, "POST", "/api/stores", {
      store: "1001",
      contact: "store1001@example.com",
    });
    expect(store.status, store.text).toBe(200);
    const before = smtp.mails.length;
    await coordinator.notices.publish([
      {
        key: "rel7-h1-task.planned",
        notice: {
          event: "task.planned",
          task: {
            id: "7",
            name: "spring",
            function: "pos-client",
            version: "1.1.0",
            mode: "at",
            at: "2026-12-01T01:00:00.000Z",
            forced: false,
            redeploy: false,
            createdBy: "admin",
            groups: ["DE/North/Berlin"],
            stores: ["1001"],
            notify: { partnerAdmins: true, storeContacts: true },
          },
        },
      },
    ]);
    await until("the planning mail", () => smtp.mails.length === before + 1);
    const mail = smtp.mails.at(-1);
    expect(mail?.to.sort()).toEqual(["nord@example.com", "store1001@example.com"]);
    expect(subjectOf(mail?.raw ?? "")).toBe(
      'Planned: pos-client 1.1.0 on 2026-12-01 01:00 UTC (2026-12-01 02:00 Europe/Berlin) (release 7 "spring")',
    );
  });

  it("removes a webhook: answered once, then not found", async () => {
    const removed = await call(adminToken, "POST", "/api/webhooks/remove", { id: "1" });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body).toMatchObject({ id: "1", secret: "set" });
    const again = await call(adminToken, "POST", "/api/webhooks/remove", { id: "1" });
    expect(again.status).toBe(404);
    expect(again.body.error).toBe("no webhook 1 (tillroll webhook list shows them)");
  });
});
