// blackout.announced / blackout.removed are lossless (issue 11, transactional outbox): the
// schedule store writes the notice a blackout change owes in the same durable write as the
// change, the schedule operations publish it, then clear it; a stop in between (a publisher
// that fails once, or no publish at all, as a kill -9 right after the write) is made good
// when the coordinator starts next. Real files: schedules.json and the notices outbox.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/audit-log.js";
import type { NoticePublisher } from "../../src/notices/notice-model.js";
import { NoticeService } from "../../src/notices/notice-service.js";
import { blackoutNotice } from "../../src/operations/blackout-notices.js";
import { ScheduleOperations } from "../../src/operations/schedule-operations.js";
import { ScheduleMemory } from "../../src/schedules/schedule-memory.js";
import { JsonAudit } from "../../src/store/json/json-audit.js";
import { JsonOutbox } from "../../src/store/json/json-outbox.js";
import { JsonSchedules } from "../../src/store/json/json-schedules.js";
import { JsonWebhooks } from "../../src/store/json/json-webhooks.js";
import { op } from "../accounts/helpers.js";

const ROOT = op("admin", null, "root");
const NOW = Date.parse("2026-11-30T08:00:00Z");
const FREEZE = {
  from: "2026-12-20T00:00:00.000Z",
  to: "2026-12-27T00:00:00.000Z",
  reason: "Christmas freeze",
  group: null,
};

let dir = "";
let logs: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tillroll-blackout-owed-"));
  logs = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Opened {
  readonly ops: ScheduleOperations;
  readonly schedules: JsonSchedules;
  readonly outbox: JsonOutbox;
}

/**
 * The schedules side of a coordinator opened on `dir` (as at a start): store, memory, the
 * outbox; `wrap` may replace the publisher (one that fails). Then the start's re-publish.
 */
async function start(
  wrap: (inner: NoticePublisher) => NoticePublisher = (p) => p,
): Promise<Opened> {
  const log = (line: string) => logs.push(line);
  const now = () => NOW;
  const schedules = await JsonSchedules.open(dir, log);
  const memory = new ScheduleMemory(await schedules.read());
  const outbox = await JsonOutbox.open({ dataDir: dir, now, log });
  const service = new NoticeService({
    outbox,
    webhooks: await JsonWebhooks.open(dir),
    mail: null,
    operators: () => [],
    storeContact: () => null,
    zonesOf: () => [],
    audit: null,
    now,
    log,
  });
  const ops = new ScheduleOperations({
    schedules,
    memory,
    workstations: { list: async () => [] },
    tasks: { cancelOverlapping: async () => [] },
    notices: wrap(service),
    audit: new JsonAudit(new AuditLog(join(dir, "audit.jsonl"))),
    now,
    log,
  });
  await ops.publishPendingNotices();
  return { ops, schedules, outbox };
}

/** Refuses its first `failures` publishes (a full disk, a kill), then passes on. */
const failingOnce =
  (failures = 1) =>
  (inner: NoticePublisher): NoticePublisher => {
    let left = failures;
    return {
      async publish(notices) {
        if (left-- > 0) throw new Error("outbox: no space left on device");
        await inner.publish(notices);
      },
    };
  };

const fileState = () => JSON.parse(readFileSync(join(dir, "schedules.json"), "utf8"));
const keys = (outbox: JsonOutbox) => outbox.list().map((n) => n.key);

describe("blackout notices: owed in the blackout's write, cleared once published", () => {
  it("published at once: one notice, nothing left owed in the file", async () => {
    const { ops, outbox } = await start();
    const added = await ops.addBlackout(FREEZE, ROOT);
    expect(added.ok).toBe(true);
    expect(keys(outbox)).toEqual(["blackout1-announced"]);
    expect(outbox.list()[0]?.data).toMatchObject({ blackout: { id: "1" }, by: "root" });
    expect(fileState()).not.toHaveProperty("noticesPending");
  });

  it("a publisher that fails once: the blackout stands, its notice stays owed; after a restart exactly one", async () => {
    const first = await start(failingOnce());
    const added = await first.ops.addBlackout(FREEZE, ROOT);
    expect(added.ok).toBe(true);
    expect(keys(first.outbox)).toEqual([]);
    expect(fileState().blackouts).toHaveLength(1);
    expect(fileState().noticesPending.map((o: { key: string }) => o.key)).toEqual([
      "blackout1-announced",
    ]);
    expect(logs).toContain(
      "notices: blackout1-announced not published (outbox: no space left on device); kept, published at the next start",
    );

    const second = await start();
    expect(keys(second.outbox)).toEqual(["blackout1-announced"]);
    expect(second.outbox.list()[0]?.data).toMatchObject({
      blackout: { id: "1", reason: "Christmas freeze", group: null },
      by: "root",
    });
    expect(fileState()).not.toHaveProperty("noticesPending");
    expect(logs).toContain(
      "notices: blackout1-announced published again (the coordinator stopped before they were)",
    );
    const third = await start();
    expect(keys(third.outbox)).toEqual(["blackout1-announced"]);
  });

  it("killed between the write and the publish: published at the next start", async () => {
    const schedules = await JsonSchedules.open(dir, () => undefined);
    // What addBlackout writes, and then nothing (the process is gone).
    await schedules.addBlackout(
      (id) => ({ id, ...FREEZE, createdBy: "root", createdAt: new Date(NOW).toISOString() }),
      (made) => blackoutNotice(made, "blackout.announced", "root"),
    );
    const { outbox } = await start();
    expect(keys(outbox)).toEqual(["blackout1-announced"]);
    expect(fileState()).not.toHaveProperty("noticesPending");
  });

  it("killed after the publish, before the clear: the re-publish at start is dropped by key", async () => {
    const first = await start();
    first.schedules.clearNotices = async () => {
      throw new Error("killed");
    };
    expect((await first.ops.addBlackout(FREEZE, ROOT)).ok).toBe(true);
    expect(keys(first.outbox)).toEqual(["blackout1-announced"]);
    expect(fileState().noticesPending).toHaveLength(1);
    const second = await start();
    expect(keys(second.outbox)).toEqual(["blackout1-announced"]);
    expect(fileState()).not.toHaveProperty("noticesPending");
  });

  it("blackout.removed likewise: owed with the removal, published after a restart once", async () => {
    const first = await start(failingOnce(1));
    // The first publish (announced) fails; the removal's goes through.
    await first.ops.addBlackout(FREEZE, ROOT);
    expect((await first.ops.removeBlackout("1", ROOT)).ok).toBe(true);
    expect(keys(first.outbox)).toEqual(["blackout1-removed"]);
    const second = await start();
    // The announcement a stop cut off comes after: the outbox orders by publish, not by cause.
    expect(keys(second.outbox)).toEqual(["blackout1-removed", "blackout1-announced"]);
    expect(fileState()).not.toHaveProperty("noticesPending");
  });

  it("bad input writes nothing and owes nothing", async () => {
    const { ops, outbox } = await start();
    const refused = await ops.addBlackout({ ...FREEZE, to: "2026-12-19T00:00:00.000Z" }, ROOT);
    expect(refused).toMatchObject({ ok: false, code: "invalid" });
    expect(existsSync(join(dir, "schedules.json"))).toBe(false);
    expect(keys(outbox)).toEqual([]);
  });

  it("a schedules file written before the marker reads as nothing owed", async () => {
    writeFileSync(
      join(dir, "schedules.json"),
      `${JSON.stringify({ schemaVersion: 1, windows: [], stores: [], blackouts: [], nextBlackoutId: 3 })}\n`,
    );
    const { outbox, ops } = await start();
    expect(keys(outbox)).toEqual([]);
    expect((await ops.addBlackout(FREEZE, ROOT)).ok).toBe(true);
    expect(keys(outbox)).toEqual(["blackout3-announced"]);
  });
});
