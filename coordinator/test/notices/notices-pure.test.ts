// The pure parts of notices, table-driven: signing and verification, the retry backoff,
// who gets which mail, what a mail says, a notice's planned deliveries, and compaction.

import { describe, expect, it } from "vitest";
import { describeStart, formatLocal, renderMail } from "../../src/notices/notice-mail.js";
import type { NoticeInput } from "../../src/notices/notice-model.js";
import { noticeData, planNotice } from "../../src/notices/notice-plan.js";
import { mailRecipients, type RecipientFacts } from "../../src/notices/notice-recipients.js";
import { withoutPassword } from "../../src/notices/open-notices.js";
import { compactable, type OutboxNotice } from "../../src/notices/outbox.js";
import { describeDelay, retryDelayMs } from "../../src/notices/retry-backoff.js";
import type { Webhook } from "../../src/notices/webhook-registry.js";
import { webhookBody } from "../../src/notices/webhook-sender.js";
import { signWebhookBody, verifyWebhookSignature } from "../../src/notices/webhook-signature.js";
import { CONTACTS, DIRECTORY, task } from "./notice-fixtures.js";

describe("webhook signatures", () => {
  // RFC 4231 test case 2 ("Jefe" / "what do ya want for nothing?"): a known HMAC-SHA256.
  it("is the hex HMAC-SHA256 of the exact body", () => {
    expect(signWebhookBody("Jefe", "what do ya want for nothing?")).toBe(
      "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  const body = '{"id":"x","event":"task.planned","at":"2026-11-30T10:00:00.000Z","data":{}}';
  const good = signWebhookBody("s3cret-value", body);
  it.each([
    ["the right secret and body", "s3cret-value", body, good, true],
    ["bytes as a Buffer", "s3cret-value", Buffer.from(body), good, true],
    ["another secret", "other-secret", body, good, false],
    ["a body re-encoded with a space", "s3cret-value", body.replace(":{}", ": {}"), good, false],
    ["no header", "s3cret-value", body, undefined, false],
    ["a header without sha256=", "s3cret-value", body, good.slice(7), false],
    ["a truncated signature", "s3cret-value", body, good.slice(0, 40), false],
    ["a repeated header", "s3cret-value", body, [good, good], false],
  ] as const)("verifies %s: %s", (_what, secret, bytes, header, expected) => {
    expect(verifyWebhookSignature(secret, bytes, header)).toBe(expected);
  });
});

describe("retry backoff", () => {
  it.each([
    [0, 0],
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [6, 32_000],
    [7, 60_000],
    [50, 60_000],
    [10_000, 60_000],
  ])("after %i failures waits %i ms", (failures, ms) => {
    expect(retryDelayMs(failures)).toBe(ms);
  });

  it.each([
    [8_000, "8 s"],
    [1_500, "1.5 s"],
    [60_000, "1 min"],
  ])("names %i ms as %s", (ms, text) => {
    expect(describeDelay(ms)).toBe(text);
  });

  it("a receiver down 10 minutes is tried about 15 times, never more than a minute apart", () => {
    let waited = 0;
    let failures = 0;
    while (waited < 600_000) waited += retryDelayMs(++failures);
    expect(failures).toBeLessThanOrEqual(16);
    expect(waited - 600_000).toBeLessThan(60_000);
  });
});

const facts = (taskMail: Record<string, string[]> = {}): RecipientFacts => ({
  operators: DIRECTORY,
  storeContact: (store) => CONTACTS[store] ?? null,
  taskMail: (id) => taskMail[id],
});

describe("mail recipients", () => {
  const blackout = (group: string | null) => ({
    id: "2",
    from: "2026-12-20T00:00:00.000Z",
    to: "2026-12-27T00:00:00.000Z",
    reason: "Christmas freeze",
    group,
  });
  it.each<[string, NoticeInput, Record<string, string[]>, string[] | null]>([
    [
      "planned: partner admins covering the groups (DE and DE/North), not DE/South, not without e-mail",
      { event: "task.planned", task: task() },
      {},
      ["de@example.com", "nord@example.com"],
    ],
    [
      "planned with store contacts too",
      {
        event: "task.planned",
        task: task({ notify: { partnerAdmins: true, storeContacts: true } }),
      },
      {},
      ["de@example.com", "nord@example.com", "store1001@example.com", "store1002@example.com"],
    ],
    [
      "planned, store contacts only; a store without contact is left out",
      {
        event: "task.planned",
        task: task({
          stores: ["1001", "9999"],
          notify: { partnerAdmins: false, storeContacts: true },
        }),
      },
      {},
      ["store1001@example.com"],
    ],
    [
      "planned, nobody asked",
      {
        event: "task.planned",
        task: task({ notify: { partnerAdmins: false, storeContacts: false } }),
      },
      {},
      [],
    ],
    [
      "planned for rows without a group: no partner admin",
      { event: "task.planned", task: task({ groups: [] }) },
      {},
      [],
    ],
    [
      "cancelled by the owner: the planning mail's addresses",
      { event: "task.cancelled", task: task(), by: "anna", reason: "not now" },
      { "3": ["kept@example.com", "nord@example.com"] },
      ["kept@example.com", "nord@example.com"],
    ],
    [
      "cancelled by someone else: the owner too",
      { event: "task.cancelled", task: task(), by: "admin", reason: "blackout 2" },
      { "3": ["kept@example.com"] },
      ["anna@example.com", "kept@example.com"],
    ],
    [
      "cancelled without a kept planning mail: worked out again",
      { event: "task.cancelled", task: task(), by: "anna", reason: "not now" },
      {},
      ["de@example.com", "nord@example.com"],
    ],
    [
      "platform maintenance: every admin with an e-mail",
      { event: "blackout.announced", blackout: blackout(null), by: "admin" },
      {},
      ["de@example.com", "nord@example.com", "platform@example.com", "sued@example.com"],
    ],
    [
      "a group's blackout: partner admins inside or around the group",
      { event: "blackout.removed", blackout: blackout("DE/North/Berlin"), by: "admin" },
      {},
      ["de@example.com", "nord@example.com"],
    ],
    [
      "release events: not mailed",
      {
        event: "release.stage-started",
        release: { type: "stage-started", release: "3", stage: "pilot" },
      },
      {},
      null,
    ],
  ])("%s", (_what, notice, kept, expected) => {
    expect(mailRecipients(notice, facts(kept))).toEqual(expected);
  });

  it("deduplicates addresses case-insensitively", () => {
    const shouting: RecipientFacts = {
      ...facts(),
      storeContact: () => "NORD@example.com",
    };
    const notice: NoticeInput = {
      event: "task.planned",
      task: task({ groups: ["DE/North"], notify: { partnerAdmins: true, storeContacts: true } }),
    };
    expect(mailRecipients(notice, shouting)).toEqual(["de@example.com", "nord@example.com"]);
  });
});

describe("mail text", () => {
  it.each([
    [task(), ["Europe/Berlin"], "on 2026-12-01 01:00 UTC (2026-12-01 02:00 Europe/Berlin)"],
    [task(), ["Europe/Berlin", "Europe/London"], "on 2026-12-01 01:00 UTC"],
    [task(), [], "on 2026-12-01 01:00 UTC"],
    [
      task({ at: "2026-07-01T22:30:00.000Z" }),
      ["America/New_York"],
      "on 2026-07-01 22:30 UTC (2026-07-01 18:30 America/New_York)",
    ],
    [
      task({ at: "2026-12-31T23:30:00.000Z" }),
      ["Asia/Tokyo"],
      "on 2026-12-31 23:30 UTC (2027-01-01 08:30 Asia/Tokyo)",
    ],
    [task({ mode: "window", at: null }), ["Europe/Berlin"], "in each store's maintenance window"],
    [task({ mode: "immediately", at: null }), [], "now"],
    [task({ mode: null, at: null }), [], "when it is started (release start)"],
  ])("a task starting %#: %s", (facts, zones, expected) => {
    expect(describeStart(facts, zones)).toBe(expected);
  });

  it("formats local wall time across midnight and daylight saving", () => {
    expect(formatLocal("2026-03-29T01:30:00.000Z", "Europe/Berlin")).toBe(
      "2026-03-29 03:30 Europe/Berlin",
    );
    expect(formatLocal("2026-10-25T00:30:00.000Z", "Europe/Berlin")).toBe(
      "2026-10-25 02:30 Europe/Berlin",
    );
  });

  const planned = {
    event: "task.planned" as const,
    at: "2026-11-30T10:00:00.000Z",
    data: { task: task(), zones: ["Europe/Berlin"] },
  };
  it.each([
    [
      "planned",
      planned,
      'Planned: pos-client 1.1.0 on 2026-12-01 01:00 UTC (2026-12-01 02:00 Europe/Berlin) (release 3 "spring")',
      [
        "Software: pos-client 1.1.0",
        "When: on 2026-12-01 01:00 UTC (2026-12-01 02:00 Europe/Berlin)",
      ],
    ],
    [
      "cancelled",
      {
        ...planned,
        event: "task.cancelled" as const,
        data: { ...planned.data, by: "admin", reason: "blackout 2 (Christmas freeze)" },
      },
      'Cancelled: pos-client 1.1.0 on 2026-12-01 01:00 UTC (2026-12-01 02:00 Europe/Berlin) (release 3 "spring")',
      ["Cancelled by admin: blackout 2 (Christmas freeze)", "Software: pos-client 1.1.0"],
    ],
    [
      "forced redeploy",
      {
        ...planned,
        data: { task: task({ forced: true, redeploy: true, mode: "window", at: null }), zones: [] },
      },
      'Planned: pos-client 1.1.0 in each store\'s maintenance window (release 3 "spring")',
      ["(installed again where already active)", "(forced: only the platform admin may cancel it)"],
    ],
    [
      "platform maintenance announced",
      {
        event: "blackout.announced" as const,
        at: planned.at,
        data: {
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
      "Platform maintenance announced: 2026-12-24 00:00 UTC to 2026-12-27 00:00 UTC",
      [
        "Reason: Christmas freeze",
        "no update runs from 2026-12-24 00:00 UTC to 2026-12-27 00:00 UTC",
      ],
    ],
    [
      "a group's blackout removed",
      {
        event: "blackout.removed" as const,
        at: planned.at,
        data: {
          blackout: {
            id: "4",
            from: "2026-12-24T00:00:00.000Z",
            to: "2026-12-27T00:00:00.000Z",
            reason: "inventory",
            group: "DE/North",
          },
          by: "nord",
        },
      },
      "Blackout for DE/North removed: 2026-12-24 00:00 UTC to 2026-12-27 00:00 UTC",
      ["is removed: updates may run again", "By: nord"],
    ],
  ])("%s", (_what, notice, subject, lines) => {
    const mail = renderMail(notice);
    expect(mail?.subject).toBe(subject);
    for (const line of lines) expect(mail?.text).toContain(line);
  });

  it("release events have no mail", () => {
    expect(renderMail({ event: "release.ended", at: "", data: {} })).toBeNull();
  });
});

describe("planning a notice", () => {
  const hook = (id: string, events: Webhook["events"]): Webhook => ({
    id,
    url: `http://127.0.0.1/${id}`,
    secret: "secret-secret",
    events,
    createdBy: "admin",
    createdAt: "2026-11-30T00:00:00.000Z",
  });
  const context = (mail: boolean) => ({
    id: "uuid-1",
    at: "2026-11-30T10:00:00.000Z",
    webhooks: [hook("10", null), hook("2", ["task.planned"]), hook("3", ["release.ended"])],
    mail,
    recipients: facts(),
    zonesOf: () => ["Europe/Berlin", "Europe/Berlin"],
  });
  const planned: NoticeInput = { event: "task.planned", task: task() };

  it.each([
    [true, ["webhook:2", "webhook:10", "mail"]],
    [false, ["webhook:2", "webhook:10"]],
  ])("mail %s: the subscribed webhooks by id, then mail", (mail, receivers) => {
    const plan = planNotice("k1", planned, context(mail));
    expect(plan.deliveries.map((d) => d.receiver)).toEqual(receivers);
    expect(plan.deliveries.every((d) => d.doneAt === null && d.dropped === null)).toBe(true);
    expect(plan).toMatchObject({ id: "uuid-1", key: "k1", event: "task.planned" });
  });

  it("keeps the mail's addresses with the notice", () => {
    const mail = planNotice("k1", planned, context(true)).deliveries.at(-1);
    expect(mail?.to).toEqual(["de@example.com", "nord@example.com"]);
  });

  it("plans no mail when nobody is to be told", () => {
    const none = planNotice(
      "k1",
      {
        event: "task.planned",
        task: task({ notify: { partnerAdmins: false, storeContacts: false } }),
      },
      context(true),
    );
    expect(none.deliveries.map((d) => d.receiver)).toEqual(["webhook:2", "webhook:10"]);
  });

  it.each<[NoticeInput, Record<string, unknown>]>([
    [planned, { task: task(), zones: ["Europe/Berlin"] }],
    [
      {
        event: "release.ended",
        release: { type: "release-ended", release: "3", state: "Completed" },
      },
      { type: "release-ended", release: "3", state: "Completed" },
    ],
    [
      {
        event: "blackout.removed",
        blackout: { id: "2", from: "a", to: "b", reason: "r", group: null },
        by: "admin",
      },
      { blackout: { id: "2", from: "a", to: "b", reason: "r", group: null }, by: "admin" },
    ],
  ])("data of %#", (input, data) => {
    expect(noticeData(input, () => ["Europe/Berlin"])).toEqual(data);
  });

  it("the webhook body is exactly {id, event, at, data}", () => {
    const body = webhookBody({ id: "u", event: "task.planned", at: "t", data: { a: 1 } });
    expect(body).toBe('{"id":"u","event":"task.planned","at":"t","data":{"a":1}}');
  });
});

describe("compaction", () => {
  const DAY = 24 * 3600_000;
  const notice = (seq: number, doneAt: string | null): OutboxNotice => ({
    seq,
    id: `id-${seq}`,
    key: `k${seq}`,
    event: "task.planned",
    at: "2026-11-01T00:00:00.000Z",
    data: {},
    deliveries: [{ receiver: "webhook:1", to: null, doneAt, dropped: null }],
  });
  const now = Date.parse("2026-11-30T00:00:00.000Z");
  it.each([
    ["pending ones stay", [notice(1, null), notice(2, null)], { ms: DAY, count: 0 }, []],
    [
      "settled past the keeping time go; the newest never",
      [
        notice(1, "2026-11-01T00:00:00.000Z"),
        notice(2, "2026-11-29T12:00:00.000Z"),
        notice(3, "2026-11-01T00:00:00.000Z"),
      ],
      { ms: DAY, count: 100 },
      [1],
    ],
    [
      "beyond the count the oldest settled go",
      [
        notice(1, "2026-11-29T12:00:00.000Z"),
        notice(2, "2026-11-29T12:00:00.000Z"),
        notice(3, "2026-11-29T12:00:00.000Z"),
        notice(4, null),
      ],
      { ms: 7 * DAY, count: 1 },
      [1, 2],
    ],
    [
      "a notice without deliveries, published recently, is kept (its key still drops a re-publish)",
      [{ ...notice(1, null), at: "2026-11-29T12:00:00.000Z", deliveries: [] }, notice(2, null)],
      { ms: DAY, count: 100 },
      [],
    ],
    [
      "a notice without deliveries is settled",
      [{ ...notice(1, null), deliveries: [] }, notice(2, null)],
      { ms: DAY, count: 0 },
      [1],
    ],
  ] as const)("%s", (_what, notices, keep, expected) => {
    expect(compactable(notices, now, keep)).toEqual(expected);
  });
});

describe("the SMTP URL in the log", () => {
  it.each([
    ["smtp://127.0.0.1:2525", "smtp://127.0.0.1:2525"],
    ["smtps://tillroll:s3cret@mail.example.com:465", "smtps://tillroll:***@mail.example.com:465"],
  ])("%s is logged as %s", (url, logged) => {
    expect(withoutPassword(url)).toBe(logged);
  });
});
