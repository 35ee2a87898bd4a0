// The install-log outbox (issue 13) on real files: lines survive a restart until
// acknowledged, leave in order, a failed send keeps them, a torn last line (a crash
// mid-write) is skipped, the bounds drop new lines and say how many, a sent file rotates.

import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogOutbox, type LogOutboxLimits } from "../../src/report/log-outbox.js";

let dir: string;
const notes: string[] = [];
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), "tillroll-log-outbox-")), "logs", "outbox");
  notes.length = 0;
});
afterEach(() => rmSync(join(dir, "..", ".."), { recursive: true, force: true }));

const open = (limits?: LogOutboxLimits) =>
  LogOutbox.open(dir, { log: (m) => notes.push(m), ...(limits ? { limits } : {}) });
const payload = (n: number) => JSON.stringify({ seq: n, line: `line ${n}` });
const dropped = (count: number) => JSON.stringify({ seq: 0, line: `${count} dropped` });
const never = () => false;

/** A send that records what went, failing from the `failFrom`-th call on. */
function sender(failFrom = Number.POSITIVE_INFINITY) {
  const sent: string[] = [];
  let calls = 0;
  const send = async (text: string) => {
    calls += 1;
    if (calls >= failFrom) throw new Error("connection closed");
    sent.push((JSON.parse(text) as { line: string }).line);
  };
  return { sent, send };
}

describe("LogOutbox", () => {
  it("sends kept lines in order; a restart before the acknowledgement sends them again", async () => {
    const outbox = await open();
    await Promise.all([1, 2, 3].map((n) => outbox.append(payload(n), dropped)));
    expect(outbox.unsent).toBe(3);
    // The agent crashes before the link is back: a new process finds them on disk.
    const again = await open();
    expect(again.unsent).toBe(3);
    const { sent, send } = sender();
    expect(await again.drain(send, never)).toBe(true);
    expect(sent).toEqual(["line 1", "line 2", "line 3"]);
    const third = await open();
    expect(third.unsent).toBe(0);
  });

  it("keeps the lines a failed send did not get acknowledged, and sends them next time in order", async () => {
    const outbox = await open();
    for (let n = 1; n <= 80; n++) await outbox.append(payload(n), dropped);
    const first = sender(40);
    expect(await outbox.drain(first.send, never)).toBe(false);
    // The first in-flight batch (32) went; the second failed from its 8th line.
    expect(first.sent).toHaveLength(39);
    const reopened = await open();
    const second = sender();
    await reopened.drain(second.send, never);
    // 1..39 were acknowledged (the prefix before the first failure): they never go again.
    expect(second.sent[0]).toBe("line 40");
    expect(second.sent.at(-1)).toBe("line 80");
    expect(second.sent).toHaveLength(41);
  });

  it("yields to a status report waiting and goes on from there", async () => {
    const outbox = await open();
    for (let n = 1; n <= 40; n++) await outbox.append(payload(n), dropped);
    let asked = 0;
    const { sent, send } = sender();
    expect(await outbox.drain(send, () => ++asked > 1)).toBe(false);
    expect(sent).toHaveLength(32);
    expect(await outbox.drain(send, never)).toBe(true);
    expect(sent).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i + 1}`));
  });

  it("skips a torn last line (a crash mid-write) and appends after it cleanly", async () => {
    const outbox = await open();
    await outbox.append(payload(1), dropped);
    const file = join(dir, "lines-0.jsonl");
    appendFileSync(file, '{"seq":2,"line":"li');
    const again = await open();
    expect(notes.join("\n")).toMatch(/skipped a torn last line/);
    await again.append(payload(3), dropped);
    expect(readFileSync(file, "utf8")).toBe(`${payload(1)}\n${payload(3)}\n`);
    const { sent, send } = sender();
    await again.drain(send, never);
    expect(sent).toEqual(["line 1", "line 3"]);
  });

  it("drops new lines beyond its bounds and says how many before the next line that fits", async () => {
    const outbox = await open({ maxLines: 5, maxBytes: 1024 * 1024 });
    for (let n = 1; n <= 9; n++) await outbox.append(payload(n), dropped);
    expect(outbox.unsent).toBe(5);
    const { sent, send } = sender();
    await outbox.drain(send, never);
    await outbox.append(payload(10), dropped);
    await outbox.drain(send, never);
    expect(sent).toEqual([
      "line 1",
      "line 2",
      "line 3",
      "line 4",
      "line 5",
      "4 dropped",
      "line 10",
    ]);
    expect(notes.join("\n")).toMatch(/4 line\(s\) dropped/);
  });

  it("bounds the bytes too", async () => {
    const outbox = await open({ maxLines: 1000, maxBytes: 100 });
    for (let n = 1; n <= 10; n++) await outbox.append(payload(n), dropped);
    expect(outbox.unsent).toBeLessThan(10);
    expect(outbox.unsent).toBeGreaterThan(0);
  });

  it("starts a fresh file once a large one is all sent", async () => {
    const outbox = await open();
    const big = "x".repeat(2000);
    // Made together: one write, one fsync.
    await Promise.all(
      Array.from({ length: 600 }, (_, i) =>
        outbox.append(JSON.stringify({ seq: i + 1, line: `${i + 1}${big}` }), dropped),
      ),
    );
    const { sent, send } = sender();
    expect(await outbox.drain(send, never)).toBe(true);
    expect(sent).toHaveLength(600);
    expect(readdirSync(dir).sort()).toEqual(["cursor.json", "lines-1.jsonl"]);
    await outbox.append(payload(601), dropped);
    const again = await open();
    expect(again.unsent).toBe(1);
  });
});
