// Webhook delivery against a REAL HTTP receiver on loopback that verifies every signature,
// with virtual time: down 10 minutes (first refusing connections, then answering 503), then
// up: every notice delivered once, in order, each failure logged with its wait. Also: a
// restart resumes from the outbox, receivers do not hold each other up, a webhook that does
// not answer is timed out, and a removed webhook's notices are dropped.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ADMIN,
  openService,
  sampleNotices,
  type TestService,
  VirtualClock,
} from "./notice-harness.js";
import { until, WebhookReceiver } from "./webhook-receiver.js";

const SECRET = "receiver-secret-1";
let dir = "";
const receivers: WebhookReceiver[] = [];
const services: TestService[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tillroll-webhooks-"));
});
afterEach(async () => {
  for (const { service } of services.splice(0)) await service.close();
  for (const receiver of receivers.splice(0)) await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start(SECRET);
  receivers.push(started);
  return started;
}

async function startService(clock: VirtualClock, options: { webhookTimeoutMs?: number } = {}) {
  const opened = await openService({ dir, clock, ...options });
  services.push(opened);
  return opened;
}

const MINUTE = 60_000;

describe("webhook delivery", () => {
  it("a receiver down 10 minutes, then up, gets every notice once, in order, all signed", async () => {
    const clock = new VirtualClock();
    const hook = await receiver();
    await hook.down();
    const { service, logs } = await startService(clock);
    const added = await service.addWebhook({ url: hook.url, secret: SECRET }, ADMIN);
    expect(added.ok).toBe(true);

    await service.publish(sampleNotices(1, 4));
    // More notices while it is down; connections refused for 5 minutes, then 503 until 10.
    clock.at(2 * MINUTE, () => service.publish(sampleNotices(5, 3)));
    clock.at(5 * MINUTE, async () => {
      hook.mode = "503";
      await hook.listen();
    });
    clock.at(8 * MINUTE, () => service.publish(sampleNotices(8, 2)));
    clock.at(10 * MINUTE, () => {
      hook.mode = "up";
    });

    await until("9 deliveries", () => hook.received.length >= 9);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const outbox = service.outboxNotices();
    expect(hook.received.map((r) => r.id)).toEqual(outbox.map((n) => n.id));
    expect(outbox.map((n) => n.key)).toEqual([
      "n1",
      "n2",
      "n3",
      "n4",
      "n5",
      "n6",
      "n7",
      "n8",
      "n9",
    ]);
    expect(new Set(hook.received.map((r) => r.id)).size).toBe(9);
    expect(hook.badSignatures).toEqual([]);
    expect(clock.elapsedMs).toBeGreaterThanOrEqual(10 * MINUTE);
    expect(Math.max(...clock.slept)).toBe(MINUTE);
    expect(clock.slept.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);

    const first = outbox[0]?.id ?? "";
    expect(logs).toContain(
      `webhook 1: delivery ${first} failed (connection refused); retry in 8 s`,
    );
    expect(logs).toContain(`webhook 1: delivery ${first} failed (HTTP 503); retry in 1 min`);
    expect(logs.some((l) => l.startsWith(`webhook 1: delivery ${first} delivered after `))).toBe(
      true,
    );
    // Head-of-line: nothing after the first was tried before the first got through.
    expect(logs.filter((l) => l.includes("failed") && !l.includes(first))).toEqual([]);
    expect(
      outbox.every((n) => n.deliveries.every((d) => d.doneAt !== null && d.dropped === null)),
    ).toBe(true);

    const sample = hook.received[0];
    expect(sample?.headers["content-type"]).toBe("application/json");
    expect(sample?.headers["x-tillroll-event"]).toBe("release.stage-started");
    expect(sample?.headers["x-tillroll-delivery"]).toBe(sample?.id);
    expect(sample).toMatchObject({
      event: "release.stage-started",
      data: { release: "3", stage: "pilot" },
    });
  });

  it("resumes after a restart from the outbox: what was not delivered goes out, once", async () => {
    const clock = new VirtualClock();
    const hook = await receiver();
    const first = await startService(clock);
    await first.service.addWebhook({ url: hook.url, secret: SECRET }, ADMIN);
    await first.service.publish(sampleNotices(1, 2));
    await until("2 deliveries", () => hook.received.length === 2);
    await hook.down();
    await first.service.publish(sampleNotices(3, 3));
    await until("a failure", () => first.logs.some((l) => l.includes("connection refused")));
    // Stops cleanly while its worker waits to retry.
    await first.service.close();
    services.splice(0);

    await hook.listen();
    const second = await startService(clock);
    await until("5 deliveries", () => hook.received.length >= 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hook.received.map((r) => r.id)).toEqual(second.service.outboxNotices().map((n) => n.id));
    // Publishing a key again after the restart is dropped as a duplicate.
    await second.service.publish(sampleNotices(3, 1));
    expect(second.service.outboxNotices()).toHaveLength(5);
  });

  it("receivers do not hold each other up; only subscribed events are sent", async () => {
    const clock = new VirtualClock();
    const up = await receiver();
    const down = await receiver();
    await down.down();
    const { service } = await startService(clock);
    await service.addWebhook({ url: down.url, secret: SECRET }, ADMIN);
    await service.addWebhook(
      { url: up.url, secret: SECRET, events: ["task.planned", "task.cancelled"] },
      ADMIN,
    );
    await service.publish(sampleNotices(1, 8));
    await until("the task notices", () => up.received.length === 4);
    expect(up.received.map((r) => r.event)).toEqual([
      "task.cancelled",
      "task.planned",
      "task.cancelled",
      "task.planned",
    ]);
  });

  it("a receiver that does not answer is timed out and retried", async () => {
    const clock = new VirtualClock();
    const hook = await receiver();
    hook.mode = "hang";
    const { service, logs } = await startService(clock, { webhookTimeoutMs: 300 });
    await service.addWebhook({ url: hook.url, secret: SECRET }, ADMIN);
    await service.publish(sampleNotices(1, 1));
    await until("a timeout", () => logs.some((l) => l.includes("failed (no answer in 0.3 s)")));
    hook.mode = "up";
    await until("the delivery", () => hook.received.length === 1);
  });

  it("close does not wait for a receiver that hangs; the notice stays pending for the next start", async () => {
    const clock = new VirtualClock();
    const hook = await receiver();
    hook.mode = "hang";
    const first = await startService(clock);
    await first.service.addWebhook({ url: hook.url, secret: SECRET }, ADMIN);
    await first.service.publish(sampleNotices(1, 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await first.service.close();
    services.splice(0);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(first.logs.filter((l) => l.includes("failed"))).toEqual([]);
    hook.mode = "up";
    const second = await startService(clock);
    await until("the delivery", () => hook.received.length === 1);
    expect(hook.received[0]?.id).toBe(second.service.outboxNotices()[0]?.id);
  });

  it("a removed webhook's undelivered notices are dropped, logged, and nothing more is sent", async () => {
    const clock = new VirtualClock();
    const hook = await receiver();
    await hook.down();
    const { service, logs } = await startService(clock);
    await service.addWebhook({ url: hook.url, secret: SECRET }, ADMIN);
    await service.publish(sampleNotices(1, 3));
    await until("a failure", () => logs.some((l) => l.includes("connection refused")));
    expect((await service.removeWebhook("1", ADMIN)).ok).toBe(true);
    await until("all dropped", () =>
      service.outboxNotices().every((n) => n.deliveries.every((d) => d.doneAt !== null)),
    );
    expect(service.outboxNotices().map((n) => n.deliveries[0]?.dropped)).toEqual([
      "webhook 1 was removed",
      "webhook 1 was removed",
      "webhook 1 was removed",
    ]);
    expect(logs.filter((l) => l.includes("dropped (webhook 1 was removed)"))).toHaveLength(3);
    expect(await service.removeWebhook("1", ADMIN)).toEqual({
      ok: false,
      error: "no webhook 1 (tillroll webhook list shows them)",
    });
  });
});
