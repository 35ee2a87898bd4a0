// The outbox's memory mirror, shared by the JSON and PostgreSQL outboxes: the plans it works
// out before a store writes, and the reads delivery makes of it.

import { describe, expect, it } from "vitest";
import { KEEP_TASK_MAIL, type NewNotice } from "../../src/notices/outbox.js";
import { OutboxMirror } from "../../src/notices/outbox-mirror.js";

function notice(key: string): NewNotice {
  return {
    id: `id-${key}`,
    key,
    event: "task.planned",
    at: "2026-11-30T10:00:00.000Z",
    data: { key },
    deliveries: [{ receiver: "webhook:1", to: null, doneAt: null, dropped: null }],
  };
}

describe("OutboxMirror", () => {
  it("plans seqs after the highest kept, a key once (also twice in one batch), holding nothing yet", () => {
    const mirror = new OutboxMirror([{ ...notice("a"), seq: 4 }]);
    const planned = mirror.planAdd([notice("a"), notice("b"), notice("b"), notice("c")]);
    expect(planned.map((n) => [n.seq, n.key])).toEqual([
      [5, "b"],
      [6, "c"],
    ]);
    expect(mirror.has("b")).toBe(false);
    for (const record of planned) mirror.put(record);
    expect(mirror.list().map((n) => n.seq)).toEqual([4, 5, 6]);
  });

  it("a done delivery moves the receiver's head on; removal forgets the key", () => {
    const mirror = new OutboxMirror([
      { ...notice("a"), seq: 1 },
      { ...notice("b"), seq: 2 },
    ]);
    expect(mirror.head("webhook:1")?.seq).toBe(1);
    const done = mirror.planDone(1, "webhook:1", "2026-11-30T10:01:00.000Z", undefined);
    expect(done?.deliveries[0]).toMatchObject({
      doneAt: "2026-11-30T10:01:00.000Z",
      dropped: null,
    });
    expect(mirror.head("webhook:1")?.seq).toBe(1);
    if (done !== undefined) mirror.put(done);
    expect(mirror.head("webhook:1")?.seq).toBe(2);
    expect(mirror.planDone(9, "webhook:1", "x", undefined)).toBeUndefined();
    mirror.remove(1);
    expect(mirror.has("a")).toBe(false);
    expect(mirror.pendingReceivers()).toEqual(["webhook:1"]);
  });

  it("task mails: newest last, a task once, at most KEEP_TASK_MAIL (the oldest dropped)", () => {
    const full = Array.from({ length: KEEP_TASK_MAIL }, (_, i) => ({ task: `t${i}`, to: ["x@y"] }));
    const mirror = new OutboxMirror([], full);
    const { next, dropped } = mirror.planTaskMail("t5", ["new@y"]);
    expect(next).toHaveLength(KEEP_TASK_MAIL);
    expect(dropped).toEqual([]);
    expect(next.at(-1)).toEqual({ task: "t5", to: ["new@y"] });
    const more = mirror.planTaskMail("fresh", ["a@b"]);
    expect(more.dropped.map((entry) => entry.task)).toEqual(["t0"]);
    expect(mirror.taskMail("t5")).toEqual(["x@y"]);
  });
});
