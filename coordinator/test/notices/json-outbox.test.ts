// The outbox on real files: a notice is on disk (mode 600) before add answers, survives a
// reopen (a crash between write and delivery leaves it pending, and it is the head again),
// a duplicate key is dropped (also after a reopen), done deliveries are recorded, settled
// notices are compacted, and a file that cannot be used stops the start naming it.

import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NewNotice } from "../../src/notices/outbox.js";
import { DataDirError } from "../../src/setup/data-dir-error.js";
import { JsonOutbox } from "../../src/store/json/json-outbox.js";
import { JsonWebhooks } from "../../src/store/json/json-webhooks.js";

let dir = "";
let nowMs = Date.parse("2026-11-30T10:00:00.000Z");
const logs: string[] = [];
const open = () => JsonOutbox.open({ dataDir: dir, now: () => nowMs, log: (l) => logs.push(l) });

function notice(key: string, receivers = ["webhook:1", "mail"]): NewNotice {
  return {
    id: `id-${key}`,
    key,
    event: "task.planned",
    at: new Date(nowMs).toISOString(),
    data: { key },
    deliveries: receivers.map((receiver) => ({
      receiver,
      to: receiver === "mail" ? ["nord@example.com"] : null,
      doneAt: null,
      dropped: null,
    })),
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tillroll-outbox-"));
  nowMs = Date.parse("2026-11-30T10:00:00.000Z");
  logs.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the JSON outbox", () => {
  it("numbers notices in order and keeps each in DATA/notices/<seq>.json, mode 600", async () => {
    const outbox = await open();
    const added = await outbox.add([notice("a"), notice("b")]);
    expect(added.map((n) => n.seq)).toEqual([1, 2]);
    for (const seq of [1, 2])
      expect(statSync(join(dir, "notices", `${seq}.json`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "notices")).mode & 0o777).toBe(0o700);
  });

  it("crash between write and delivery: after a reopen the notice is pending and the head", async () => {
    const first = await open();
    await first.add([notice("a"), notice("b")]);
    await first.markDone(1, "webhook:1");
    // No close: a kill -9 right after the answer. A new process reads the files.
    const reopened = await open();
    expect(reopened.head("webhook:1")?.key).toBe("b");
    expect(reopened.head("mail")?.key).toBe("a");
    expect(reopened.head("mail")?.deliveries.find((d) => d.receiver === "mail")?.to).toEqual([
      "nord@example.com",
    ]);
    expect(reopened.pendingReceivers()).toEqual(["mail", "webhook:1"]);
  });

  it("drops a duplicate key, within one add, across adds and after a reopen", async () => {
    const outbox = await open();
    expect((await outbox.add([notice("a"), notice("a")])).map((n) => n.key)).toEqual(["a"]);
    expect(await outbox.add([notice("a")])).toEqual([]);
    const reopened = await open();
    expect(reopened.has("a")).toBe(true);
    expect(await reopened.add([notice("a"), notice("b")])).toMatchObject([{ key: "b", seq: 2 }]);
    expect(readdirSync(join(dir, "notices")).sort()).toEqual(["1.json", "2.json"]);
  });

  it("the head is the lowest pending seq per receiver", async () => {
    const outbox = await open();
    await outbox.add([notice("a", ["webhook:1"]), notice("b", ["webhook:2"]), notice("c")]);
    expect(outbox.head("webhook:1")?.key).toBe("a");
    expect(outbox.head("webhook:2")?.key).toBe("b");
    await outbox.markDone(1, "webhook:1");
    expect(outbox.head("webhook:1")?.key).toBe("c");
    await outbox.markDone(3, "webhook:1", "webhook 1 was removed");
    expect(outbox.head("webhook:1")).toBeUndefined();
    const reopened = await open();
    expect(reopened.list()[2]?.deliveries[0]).toMatchObject({
      dropped: "webhook 1 was removed",
      doneAt: "2026-11-30T10:00:00.000Z",
    });
  });

  it("compacts settled notices after their keeping time, never the newest (seqs go on)", async () => {
    const outbox = await open();
    await outbox.add([notice("a", ["webhook:1"]), notice("b", ["webhook:1"])]);
    await outbox.markDone(1, "webhook:1");
    await outbox.markDone(2, "webhook:1");
    expect(outbox.list()).toHaveLength(2);
    nowMs += 8 * 24 * 3600_000;
    const later = await open();
    expect(later.list().map((n) => n.seq)).toEqual([2]);
    expect(later.has("a")).toBe(false);
    expect((await later.add([notice("c")]))[0]?.seq).toBe(3);
  });

  it("keeps the task mail addresses for the cancel mail across a reopen", async () => {
    const outbox = await open();
    await outbox.rememberTaskMail("3", ["nord@example.com", "store@example.com"]);
    await outbox.rememberTaskMail("4", ["x@example.com"]);
    expect((await open()).taskMail("3")).toEqual(["nord@example.com", "store@example.com"]);
    expect((await open()).taskMail("5")).toBeUndefined();
    expect(statSync(join(dir, "notices", "task-mail.json")).mode & 0o777).toBe(0o600);
  });

  it("removes a write cut short, and refuses a file it cannot use, naming it", async () => {
    const outbox = await open();
    await outbox.add([notice("a")]);
    writeFileSync(join(dir, "notices", "2.json.tmp-0a1b2c3d"), "{");
    expect((await open()).list()).toHaveLength(1);
    expect(readdirSync(join(dir, "notices"))).toEqual(["1.json"]);
    writeFileSync(join(dir, "notices", "2.json"), "{");
    await expect(open()).rejects.toThrow(DataDirError);
    await expect(open()).rejects.toThrow(/2\.json is not JSON/);
    writeFileSync(join(dir, "notices", "2.json"), JSON.stringify({ schemaVersion: 1, notice: {} }));
    await expect(open()).rejects.toThrow(/2\.json is not a usable notice record/);
  });
});

describe("the JSON webhook list", () => {
  it("keeps webhooks with their secrets in DATA/webhooks.json, mode 600; ids never reused", async () => {
    const hooks = await JsonWebhooks.open(dir);
    const make = (id: string) => ({
      id,
      url: `http://127.0.0.1/${id}`,
      secret: "secret-secret",
      events: null,
      createdBy: "admin",
      createdAt: "2026-11-30T10:00:00.000Z",
    });
    await hooks.add(make);
    await hooks.add(make);
    expect(await hooks.remove("2")).toMatchObject({ id: "2" });
    expect(await hooks.remove("2")).toBeUndefined();
    expect(statSync(join(dir, "webhooks.json")).mode & 0o777).toBe(0o600);
    const reopened = await JsonWebhooks.open(dir);
    expect(reopened.list().map((h) => h.id)).toEqual(["1"]);
    expect((await reopened.add(make)).id).toBe("3");
    expect(reopened.get("1")?.secret).toBe("secret-secret");
  });

  it("refuses a webhook file it cannot use, naming it", async () => {
    writeFileSync(join(dir, "webhooks.json"), "[]");
    await expect(JsonWebhooks.open(dir)).rejects.toThrow(
      /webhooks\.json is not a usable webhook list/,
    );
  });
});
