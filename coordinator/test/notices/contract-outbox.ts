// The contract every NoticeOutbox keeps (issue 11's notices outbox), run on the JSON files
// (test/notices/json-outbox.test.ts) and on PostgreSQL (test/store/pg-notices.test.ts): a
// notice stored survives a reopen (a crash between write and delivery leaves it pending, and
// the head again), a duplicate key is dropped (also after a reopen), done deliveries are
// recorded with why, settled notices are compacted (never the newest), task mail is kept.

import { expect, it } from "vitest";
import type { NewNotice, NoticeOutbox } from "../../src/notices/outbox.js";

/** What an implementation gives the contract (its own setup and cleanup run around each case). */
export interface OutboxHarness {
  /** A new instance over the same storage every time (a restart), on the harness's clock. */
  open(): Promise<NoticeOutbox>;
  /** A notice published now, to these receivers (default: webhook:1 and mail to nord@example.com). */
  notice(key: string, receivers?: string[]): NewNotice;
  /** Moves the clock the outbox is opened with on. */
  advance(ms: number): void;
}

/** The cases; call inside the implementation's describe (the clock starts at 2026-11-30T10:00Z). */
export function outboxContract(harness: OutboxHarness): void {
  it("crash between write and delivery: after a reopen the notice is pending and the head", async () => {
    const first = await harness.open();
    await first.add([harness.notice("a"), harness.notice("b")]);
    await first.markDone(1, "webhook:1");
    // No close: a kill -9 right after the answer. A new instance reads what is stored.
    const reopened = await harness.open();
    expect(reopened.head("webhook:1")?.key).toBe("b");
    expect(reopened.head("mail")?.key).toBe("a");
    expect(reopened.head("mail")?.deliveries.find((d) => d.receiver === "mail")?.to).toEqual([
      "nord@example.com",
    ]);
    expect(reopened.pendingReceivers()).toEqual(["mail", "webhook:1"]);
  });

  it("drops a duplicate key, within one add, across adds and after a reopen", async () => {
    const outbox = await harness.open();
    expect(
      (await outbox.add([harness.notice("a"), harness.notice("a")])).map((n) => n.key),
    ).toEqual(["a"]);
    expect(await outbox.add([harness.notice("a")])).toEqual([]);
    const reopened = await harness.open();
    expect(reopened.has("a")).toBe(true);
    expect(await reopened.add([harness.notice("a"), harness.notice("b")])).toMatchObject([
      { key: "b", seq: 2 },
    ]);
  });

  it("the head is the lowest pending seq per receiver; a drop is recorded with why", async () => {
    const outbox = await harness.open();
    await outbox.add([
      harness.notice("a", ["webhook:1"]),
      harness.notice("b", ["webhook:2"]),
      harness.notice("c"),
    ]);
    expect(outbox.head("webhook:1")?.key).toBe("a");
    expect(outbox.head("webhook:2")?.key).toBe("b");
    await outbox.markDone(1, "webhook:1");
    expect(outbox.head("webhook:1")?.key).toBe("c");
    await outbox.markDone(3, "webhook:1", "webhook 1 was removed");
    expect(outbox.head("webhook:1")).toBeUndefined();
    const reopened = await harness.open();
    expect(reopened.list()[2]?.deliveries[0]).toMatchObject({
      dropped: "webhook 1 was removed",
      doneAt: "2026-11-30T10:00:00.000Z",
    });
  });

  it("compacts settled notices after their keeping time, never the newest (seqs go on)", async () => {
    const outbox = await harness.open();
    await outbox.add([harness.notice("a", ["webhook:1"]), harness.notice("b", ["webhook:1"])]);
    await outbox.markDone(1, "webhook:1");
    await outbox.markDone(2, "webhook:1");
    expect(outbox.list()).toHaveLength(2);
    harness.advance(8 * 24 * 3600_000);
    const later = await harness.open();
    expect(later.list().map((n) => n.seq)).toEqual([2]);
    expect(later.has("a")).toBe(false);
    expect((await later.add([harness.notice("c")]))[0]?.seq).toBe(3);
    // 2 is no longer the newest: the next open compacts it, 3 holds the high-water mark.
    expect((await harness.open()).list().map((n) => n.seq)).toEqual([3]);
  });

  it("keeps the task mail addresses for the cancel mail across a reopen", async () => {
    const outbox = await harness.open();
    await outbox.rememberTaskMail("3", ["nord@example.com", "store@example.com"]);
    await outbox.rememberTaskMail("4", ["x@example.com"]);
    await outbox.rememberTaskMail("3", ["nord@example.com"]);
    expect((await harness.open()).taskMail("3")).toEqual(["nord@example.com"]);
    expect((await harness.open()).taskMail("4")).toEqual(["x@example.com"]);
    expect((await harness.open()).taskMail("5")).toBeUndefined();
  });
}
