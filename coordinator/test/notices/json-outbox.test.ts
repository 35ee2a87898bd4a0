// The outbox on real files: the outbox contract (contract-outbox.ts, also run on
// PostgreSQL), each notice on disk (mode 600) before add answers, and a file that cannot
// be used stops the start naming it.

import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NewNotice } from "../../src/notices/outbox.js";
import { DataDirError } from "../../src/setup/data-dir-error.js";
import { JsonOutbox } from "../../src/store/json/json-outbox.js";
import { JsonWebhooks } from "../../src/store/json/json-webhooks.js";
import { outboxContract } from "./contract-outbox.js";

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
  outboxContract({
    open,
    notice,
    advance: (ms) => {
      nowMs += ms;
    },
  });

  it("a dropped duplicate writes no file; task mail is in DATA/notices/task-mail.json, mode 600", async () => {
    const outbox = await open();
    await outbox.add([notice("a"), notice("a")]);
    await outbox.add([notice("a"), notice("b")]);
    expect(readdirSync(join(dir, "notices")).sort()).toEqual(["1.json", "2.json"]);
    await outbox.rememberTaskMail("3", ["nord@example.com"]);
    expect(statSync(join(dir, "notices", "task-mail.json")).mode & 0o777).toBe(0o600);
  });

  it("numbers notices in order and keeps each in DATA/notices/<seq>.json, mode 600", async () => {
    const outbox = await open();
    const added = await outbox.add([notice("a"), notice("b")]);
    expect(added.map((n) => n.seq)).toEqual([1, 2]);
    for (const seq of [1, 2])
      expect(statSync(join(dir, "notices", `${seq}.json`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "notices")).mode & 0o777).toBe(0o700);
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
