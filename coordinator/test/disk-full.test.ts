// Every coordinator store on a real, small tmpfs that fills up and is freed again: a failed
// write changes nothing (in memory or on disk) and the next write works.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AuditEntry, AuditLog } from "../src/audit/audit-log.js";
import { FleetStore } from "../src/fleet/fleet-store.js";
import type { ServiceRow } from "../src/fleet/service-row.js";
import { StateStore, StateWriteError } from "../src/state/state-store.js";

let root: string;
let disk: string | undefined;
let why = "";

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tillroll-full-"));
  disk = join(root, "disk");
  execFileSync("mkdir", [disk]);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", disk], { stdio: "pipe" });
  } catch (error) {
    why = `cannot mount a tmpfs (needs root): ${(error as Error).message}`;
    disk = undefined;
  }
});
afterEach(() => {
  if (disk !== undefined) execFileSync("umount", ["-l", disk]);
  rmSync(root, { recursive: true, force: true });
});

/** Fills the disk; returns a function that frees it again. */
function fill(dir: string): () => void {
  const filler = join(dir, "filler");
  try {
    writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024, 1));
  } catch (error) {
    expect((error as { code?: string }).code).toBe("ENOSPC");
  }
  return () => rmSync(filler);
}

function entry(action: string, size = 0): AuditEntry {
  return {
    at: "2026-11-21T09:00:00.000Z",
    who: "test",
    action,
    details: { pad: "x".repeat(size) },
    touched: [],
    skipped: 0,
  };
}

function row(workstation: string, store = "1001"): ServiceRow {
  return {
    store,
    workstation,
    function: "pos-client",
    activeVersion: "1.0.0",
    preferredVersion: null,
    status: "OK",
    phase: null,
    progress: null,
    reason: null,
    validFrom: null,
    requestId: null,
    group: null,
    online: false,
    updatedAt: "2026-11-21T09:00:00.000Z",
  };
}

describe("on a full disk", () => {
  it("StateStore: a failed change leaves memory as it was; later changes work", async (ctx) => {
    if (disk === undefined) return ctx.skip(why);
    const store = await StateStore.open(disk, () => undefined);
    await store.change((s) => {
      s.desiredSeq = 1;
    });
    const free = fill(disk);
    const failed = store.change((s) => {
      s.desiredSeq = 2;
      s.desired["1001/01"] = {};
    });
    await expect(failed).rejects.toBeInstanceOf(StateWriteError);
    await expect(failed).rejects.toThrow(/cannot save .*coordinator\.json \(ENOSPC.*not made/);
    expect(store.state.desiredSeq).toBe(1);
    expect(store.state.desired).toEqual({});
    // Still full: refused again, not poisoned.
    const again = store.change((s) => {
      s.desiredSeq = 3;
    });
    await expect(again).rejects.toThrow(/ENOSPC/);
    free();
    await store.change((s) => {
      s.desiredSeq = 4;
    });
    expect(store.state.desiredSeq).toBe(4);
    const reopened = await StateStore.open(disk, () => undefined);
    expect(reopened.state.desiredSeq).toBe(4);
  });

  it("AuditLog: a part-written entry is cut back, so the next one is not swallowed", async (ctx) => {
    if (disk === undefined) return ctx.skip(why);
    const audit = new AuditLog(join(disk, "audit.jsonl"));
    await audit.append(entry("first"));
    const free = fill(disk);
    // Larger than the room left in the file's last page: some of it lands, then ENOSPC.
    await expect(audit.append(entry("torn", 64 * 1024))).rejects.toThrow(
      /cannot append to the audit log .*ENOSPC/,
    );
    free();
    await audit.append(entry("third"));
    expect((await audit.list()).map((e) => e.action)).toEqual(["first", "third"]);
    expect(readFileSync(join(disk, "audit.jsonl"), "utf8").split("\n")).toHaveLength(3);
  });

  it("FleetStore: a failed append is cut back and retried; upsertDurably says it failed", async (ctx) => {
    if (disk === undefined) return ctx.skip(why);
    const logs: string[] = [];
    const fleet = await FleetStore.open(disk, (line) => logs.push(line));
    await fleet.upsertDurably([row("01")]);
    const free = fill(disk);
    // 300 rows (about 90 KB): more than the room left in the journal's last page.
    const many = Array.from({ length: 300 }, (_, i) => row("02", String(2000 + i)));
    await expect(fleet.upsertDurably(many)).rejects.toThrow(
      /cannot append to .*fleet-0\.log \(ENOSPC/,
    );
    free();
    await fleet.upsertDurably([row("03")]);
    await fleet.close();
    const lines = readFileSync(join(disk, "fleet-0.log"), "utf8").trim().split("\n");
    for (const line of lines) JSON.parse(line); // no torn line
    const reopened = await FleetStore.open(disk, (line) => logs.push(line));
    expect(reopened.table.size).toBe(302); // the failed rows went along with the next append
    expect(logs.join("\n")).not.toMatch(/torn line/);
    await reopened.close();
    await rm(join(disk, "fleet-0.log"));
  });
});
