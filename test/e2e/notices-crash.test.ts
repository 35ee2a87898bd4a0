// Acceptance 5, the crash part: a real `tillroll coordinator` process with undelivered
// notices (its webhook receiver refuses connections, its SMTP server answers 451) is killed
// with SIGKILL; restarted, it delivers every notice from its outbox: each once, in order,
// every webhook signature valid, and the mails to the admins.

import { afterEach, describe, expect, it } from "vitest";
import { SmtpReceiver } from "../../coordinator/test/notices/smtp-receiver.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { pollUntil } from "../support/wait.js";
import { CoordinatorProcess } from "./coordinator-harness.js";
import { WebhookReceiver } from "./notice-receivers.js";

const SECRET = "crash-test-secret";

/** Waits (polling) until `check` holds, or fails naming `what`. */
const until = (what: string, check: () => boolean) => pollUntil(check, 45_000, what);

describe("notices survive a coordinator kill -9", () => {
  let dir: TempDir | undefined;
  let coordinator: CoordinatorProcess | undefined;
  let receiver: WebhookReceiver | undefined;
  let smtp: SmtpReceiver | undefined;
  afterEach(async () => {
    await coordinator?.close();
    await receiver?.close();
    await smtp?.close();
    await dir?.cleanup();
    coordinator = receiver = smtp = dir = undefined;
  });

  it("undelivered webhook notices and mails are delivered after the restart, once, in order", async () => {
    dir = await tempDir("notices-crash");
    // Down from the start (its port kept), so every delivery is refused until `up`.
    receiver = await WebhookReceiver.start(SECRET);
    await receiver.down();
    smtp = await SmtpReceiver.start();
    smtp.refuse = true;
    const mails = smtp.mails;
    coordinator = await CoordinatorProcess.create(dir.path, undefined, {
      extraArgs: ["--smtp", smtp.url, "--mail-from", "tillroll@example.com"],
    });
    await coordinator.start();
    await coordinator.console(
      "operator",
      "add",
      "nord",
      "--role",
      "admin",
      "--scope",
      "DE/North",
      "--email",
      "nord@example.com",
    );
    await coordinator.console("webhook", "add", receiver.url, "--secret", SECRET);

    // Three notices while the receiver is down: each command answers once its notice is durable.
    const day = 24 * 3600_000;
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19).concat("Z");
    const ids: string[] = [];
    for (const [offset, reason] of [
      [2, "stock count"],
      [30, "Christmas freeze"],
    ] as const) {
      const added = await coordinator.consoleJson<{ blackout: { id: string } }>(
        "blackout",
        "add",
        "--from",
        iso(Date.now() + offset * day),
        "--to",
        iso(Date.now() + (offset + 1) * day),
        "--reason",
        reason,
      );
      ids.push(added.blackout.id);
    }
    await coordinator.console("blackout", "remove", ids[0] ?? "");
    await until("a webhook failure and a mail failure in the log", () => {
      const text = coordinator?.output.join("\n") ?? "";
      return (
        /webhook 1: delivery \S+ failed \(connection refused\); retry in/.test(text) &&
        /mail: delivery \S+ failed/.test(text)
      );
    });
    await coordinator.kill9();
    expect(receiver.deliveries).toEqual([]);
    expect(mails).toEqual([]);

    await receiver.up();
    smtp.refuse = false;
    await coordinator.start();
    await until("three webhook notices", () => (receiver?.deliveries.length ?? 0) >= 3);
    await until("three mails", () => mails.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.forged).toEqual([]);
    const blackoutOf = (data: Record<string, unknown>) => (data.blackout as { id: string }).id;
    expect(receiver.deliveries.map((r) => `${r.event} ${blackoutOf(r.data)}`)).toEqual([
      `blackout.announced ${ids[0]}`,
      `blackout.announced ${ids[1]}`,
      `blackout.removed ${ids[0]}`,
    ]);
    expect(new Set(receiver.deliveries.map((r) => r.id)).size).toBe(3);
    expect(mails).toHaveLength(3);
    expect(mails.every((m) => m.to.join() === "nord@example.com")).toBe(true);
  });
});
