// Acceptance 5 through the real release path: a coordinator with --smtp and a webhook, a
// release task scheduled `at` a time: its planning mail reaches the partner admin and the
// store's contact with the date and the version, its cancel mail goes to the same
// addresses, and the webhook receives task.planned then task.cancelled, signed.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveCoordinator } from "../api/live-coordinator.js";
import { decodedText, SmtpReceiver, subjectOf } from "./smtp-receiver.js";
import { until, WebhookReceiver } from "./webhook-receiver.js";

const SECRET = "release-notices-secret";
let live: LiveCoordinator;
let smtp: SmtpReceiver;
let hook: WebhookReceiver;

beforeAll(async () => {
  smtp = await SmtpReceiver.start();
  hook = await WebhookReceiver.start(SECRET);
  live = await LiveCoordinator.start("release-notices", {
    mail: { smtp: smtp.url, from: "tillroll@example.com" },
  });
}, 60_000);
afterAll(async () => {
  await live?.close();
  await smtp?.close();
  await hook?.close();
});

describe("release task notices", { timeout: 60_000 }, () => {
  it("planning and cancel mails with date and version, to the same addresses; webhook events in order", async () => {
    const setup = [
      await live.call("POST", "/api/operators", {
        name: "nord",
        role: "admin",
        scope: "DE/North",
        email: "nord@example.com",
      }),
      await live.call("POST", "/api/stores", { store: "1001", contact: "store1001@example.com" }),
      await live.call("POST", "/api/webhooks", { url: hook.url, secret: SECRET }),
    ];
    for (const answer of setup) expect(answer.status, answer.text).toBeLessThan(300);

    const at = new Date(Date.now() + 3 * 24 * 3600_000);
    at.setUTCHours(1, 0, 0, 0);
    const created = await live.call("POST", "/api/releases", {
      name: "spring",
      function: "pos-client",
      version: "1.3.0",
      target: { store: ["1001"] },
      stages: [{ name: "all", checkpoint: "none" }],
      errorThreshold: "100%",
      successThreshold: "100%",
      stageTimeout: "1h",
      soak: "0m",
      maxPerStore: null,
      onError: "pause",
      schedule: { mode: "at", at: at.toISOString() },
      notify: { partnerAdmins: true, storeContacts: true },
    });
    expect(created.status, created.text).toBe(201);
    const id = (created.body as { id: string }).id;
    const day = at.toISOString().slice(0, 10);

    await until("the planning mail", () => smtp.mails.length === 1);
    const planned = smtp.mails[0];
    expect(planned?.to.sort()).toEqual(["nord@example.com", "store1001@example.com"]);
    expect(subjectOf(planned?.raw ?? "")).toBe(
      `Planned: pos-client 1.3.0 on ${day} 01:00 UTC (release ${id} "spring")`,
    );
    expect(decodedText(planned?.raw ?? "")).toContain("Software: pos-client 1.3.0");

    const cancelled = await live.call("POST", "/api/releases/cancel", { id });
    expect(cancelled.status, cancelled.text).toBe(200);
    await until("the cancel mail", () => smtp.mails.length === 2);
    expect(smtp.mails[1]?.to.sort()).toEqual(["nord@example.com", "store1001@example.com"]);
    expect(subjectOf(smtp.mails[1]?.raw ?? "")).toBe(
      `Cancelled: pos-client 1.3.0 on ${day} 01:00 UTC (release ${id} "spring")`,
    );

    await until("both task events", () =>
      ["task.planned", "task.cancelled"].every((e) => hook.received.some((r) => r.event === e)),
    );
    const tasks = hook.received.filter((r) => r.event.startsWith("task."));
    expect(tasks.map((r) => r.event)).toEqual(["task.planned", "task.cancelled"]);
    expect(tasks[0]?.data).toMatchObject({
      task: { id, function: "pos-client", version: "1.3.0", mode: "at", stores: ["1001"] },
    });
    expect(hook.badSignatures).toEqual([]);
  });
});
