// E-mail notices through nodemailer to a REAL SMTP server on loopback (smtp-server): the
// planning mail goes to the partner admins and store contacts with the date and the
// software; the cancel mail goes to the same addresses (and the owner when someone else
// cancelled), even when the directory changed meanwhile; release events are not mailed;
// a server refusing mail is retried in order.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openMailChannel } from "../../src/notices/mail-sender.js";
import type { DirectoryEntry } from "../../src/notices/notice-recipients.js";
import { CONTACTS, DIRECTORY, task } from "./notice-fixtures.js";
import { openService, type TestService, VirtualClock } from "./notice-harness.js";
import { decodedText, SmtpReceiver, subjectOf } from "./smtp-receiver.js";
import { until } from "./webhook-receiver.js";

let dir = "";
let smtp: SmtpReceiver;
const services: TestService[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "tillroll-mail-"));
  smtp = await SmtpReceiver.start();
});
afterEach(async () => {
  for (const { service } of services.splice(0)) await service.close();
  await smtp.close();
  rmSync(dir, { recursive: true, force: true });
});

async function mailService(operators: readonly DirectoryEntry[] = DIRECTORY) {
  const opened = await openService({
    dir,
    clock: new VirtualClock(),
    mail: await openMailChannel({ smtp: smtp.url, from: "tillroll@example.com" }),
    operators,
    contacts: CONTACTS,
    zones: ["Europe/Berlin"],
  });
  services.push(opened);
  return opened;
}

const spring = task({ notify: { partnerAdmins: true, storeContacts: true } });

describe("e-mail notices", () => {
  it("planning and cancel mails reach the same addresses, with date and version", async () => {
    const { service } = await mailService();
    await service.publish([
      { key: "rel3-planned", notice: { event: "task.planned", task: spring } },
    ]);
    await until("the planning mail", () => smtp.mails.length === 1);
    const planned = smtp.mails[0];
    const addresses = [
      "de@example.com",
      "nord@example.com",
      "store1001@example.com",
      "store1002@example.com",
    ];
    expect(planned?.from).toBe("tillroll@example.com");
    expect(planned?.to.sort()).toEqual(addresses);
    expect(decodedText(planned?.raw ?? "")).toContain("pos-client 1.1.0");
    expect(decodedText(planned?.raw ?? "")).toContain("2026-12-01 01:00 UTC");
    expect(decodedText(planned?.raw ?? "")).toContain("2026-12-01 02:00 Europe/Berlin");
    expect(subjectOf(planned?.raw ?? "")).toMatch(
      /^Planned: pos-client 1\.1\.0 on 2026-12-01 01:00 UTC/,
    );
    expect(planned?.raw).toMatch(/^X-Tillroll-Event: task\.planned/m);

    // The directory changes before the cancel: the cancel still goes where the planning went.
    await service.close();
    services.splice(0);
    const changed = DIRECTORY.filter((entry) => entry.name !== "nord");
    const reopened = (await mailService(changed)).service;
    await reopened.publish([
      {
        key: "rel3-cancelled",
        notice: {
          event: "task.cancelled",
          task: spring,
          by: "admin",
          reason: "blackout 2 (Christmas freeze)",
        },
      },
    ]);
    await until("the cancel mail", () => smtp.mails.length === 2);
    const cancelled = smtp.mails[1];
    expect(cancelled?.to.sort()).toEqual([...addresses, "anna@example.com"].sort());
    expect(subjectOf(cancelled?.raw ?? "")).toMatch(
      /^Cancelled: pos-client 1\.1\.0 on 2026-12-01 01:00 UTC/,
    );
    expect(decodedText(cancelled?.raw ?? "")).toContain(
      "Cancelled by admin: blackout 2 (Christmas freeze)",
    );
  });

  it("blackouts are mailed to admins with start and end; release events are not mailed", async () => {
    const { service } = await mailService();
    await service.publish([
      {
        key: "rel3-h2-release.stage-started-pilot",
        notice: {
          event: "release.stage-started",
          release: { type: "stage-started", release: "3", stage: "pilot" },
        },
      },
      {
        key: "blackout-2-announced",
        notice: {
          event: "blackout.announced",
          blackout: {
            id: "2",
            from: "2026-12-24T00:00:00.000Z",
            to: "2026-12-27T00:00:00.000Z",
            reason: "Christmas freeze",
            group: null,
          },
          by: "admin",
        },
      },
    ]);
    await until("the blackout mail", () => smtp.mails.length === 1);
    expect(subjectOf(smtp.mails[0]?.raw ?? "")).toBe(
      "Platform maintenance announced: 2026-12-24 00:00 UTC to 2026-12-27 00:00 UTC",
    );
    expect(smtp.mails[0]?.to.sort()).toEqual([
      "de@example.com",
      "nord@example.com",
      "platform@example.com",
      "sued@example.com",
    ]);
    expect(service.outboxNotices()[0]?.deliveries).toEqual([]);
  });

  it("a server refusing mail is retried, in order, each mail once", async () => {
    smtp.refuse = true;
    const { service, logs } = await mailService();
    await service.publish([
      { key: "a", notice: { event: "task.planned", task: spring } },
      { key: "b", notice: { event: "task.planned", task: task({ id: "4", version: "1.2.0" }) } },
    ]);
    await until("a refusal", () =>
      logs.some((l) => /^mail: delivery .* failed \(.*451.*\); retry in/.test(l)),
    );
    smtp.refuse = false;
    await until("both mails", () => smtp.mails.length === 2);
    expect(smtp.mails.map((m) => /pos-client (1\.\d\.0)/.exec(m.raw)?.[1])).toEqual([
      "1.1.0",
      "1.2.0",
    ]);
  });
});
