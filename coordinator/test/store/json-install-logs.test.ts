// The install logs kept at head office (issue 13): DATA/install-logs/<store>/<ws>/<fn>.jsonl,
// on real files: the shared contract (contract-install-logs.ts), and what is the files' own:
// mode 600, a file bounded by twice the line limit, a torn last line, the row cache.

import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InstallLogRetention } from "../../src/store/install-log-store.js";
import { JsonInstallLogs } from "../../src/store/json/json-install-logs.js";
import { describeInstallLogContract, line, ROW } from "./contract-install-logs.js";

const DAY = 86_400_000;

let dir: string;
let clock: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tillroll-install-logs-"));
  clock = Date.UTC(2026, 10, 30, 12);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (retention: Partial<InstallLogRetention> = {}) =>
  new JsonInstallLogs({ dir, retention, now: () => clock, log: () => undefined });

const texts = async (logs: JsonInstallLogs, query = {}) =>
  (await logs.read(ROW, query)).lines.map((l) => l.text);

describe("JsonInstallLogs", () => {
  it("keeps lines in arrival order, durably in the row's file, with source and stream", async () => {
    const logs = open();
    // Many at once (one group write) and then one more.
    await Promise.all([1, 2, 3, 4, 5].map((seq) => logs.append(ROW, line(seq))));
    await logs.append(ROW, line(6, { source: "health", stream: "stderr", level: "warn" }));
    const { lines, next } = await logs.read(ROW);
    expect(lines.map((l) => l.text)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `line ${n}`));
    expect(lines.at(-1)).toMatchObject({ source: "health", stream: "stderr", level: "warn" });
    expect(next).toBe(6);
    const file = join(dir, "1001", "01", "pos-client.jsonl");
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(6);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await logs.read({ ...ROW, function: "scale" })).toEqual({ lines: [], next: 0 });
  });

  it("keeps the last linesPerRow lines, the file bounded by twice that", async () => {
    const logs = open({ linesPerRow: 10 });
    for (let seq = 1; seq <= 55; seq++) await logs.append(ROW, line(seq));
    const kept = await logs.read(ROW);
    expect(kept.lines.map((l) => l.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 46 + i));
    expect(kept.next).toBe(55);
    const fileLines = readFileSync(join(dir, "1001", "01", "pos-client.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(fileLines.length).toBeLessThan(20);
    // Dedupe still knows what the rewritten file holds.
    expect(await logs.append(ROW, line(55))).toBe(false);
  });

  it("skips a torn last line (a crash mid-write) and appends after it on a fresh line", async () => {
    const logs = open();
    await logs.append(ROW, line(1));
    await logs.close();
    const file = join(dir, "1001", "01", "pos-client.jsonl");
    appendFileSync(file, '{"n":2,"seq":2,"at":"2026-11-30T11:0');
    const again = open();
    expect(await texts(again)).toEqual(["line 1"]);
    await again.append(ROW, line(3));
    expect(await texts(again)).toEqual(["line 1", "line 3"]);
  });
});

describe("JsonInstallLogs with more rows than it caches", () => {
  it("keeps each row's dedupe and order when rows leave the cache and come back", async () => {
    const logs = open();
    const rows = Array.from({ length: 260 }, (_, i) => ({ ...ROW, workstation: `w${i}` }));
    for (const row of rows) await logs.append(row, line(1));
    // Row 0 left the cache long ago: read back from its file, the re-sent line is known.
    expect(await logs.append(rows[0] ?? ROW, line(1))).toBe(false);
    await Promise.all(rows.map((row) => logs.append(row, line(2))));
    for (const row of [rows[0], rows[130], rows[259]])
      expect((await logs.read(row ?? ROW)).lines.map((l) => [l.n, l.seq])).toEqual([
        [1, 1],
        [2, 2],
      ]);
  });
});

describe("JsonInstallLogs.sweep", () => {
  it("drops expired lines from rows nothing writes to any more, and leaves young rows alone", async () => {
    const logs = open({ days: 30 });
    const old = { ...ROW, workstation: "02" };
    await logs.append(old, line(1));
    await logs.append(old, line(2));
    clock += 20 * DAY;
    await logs.append(ROW, line(3));
    clock += 11 * DAY;
    await logs.close();
    const again = open({ days: 30 });
    expect(await again.sweep()).toBe(2);
    expect(readFileSync(join(dir, "1001", "02", "pos-client.jsonl"), "utf8")).toBe("");
    expect(readFileSync(join(dir, "1001", "01", "pos-client.jsonl"), "utf8")).toContain("line 3");
    // A line arriving after the sweep is appended as usual.
    await again.append(old, line(4));
    expect(await texts(again)).toEqual(["line 3"]);
    expect((await again.read(old)).lines.map((l) => l.text)).toEqual(["line 4"]);
  });
});

describeInstallLogContract("JSON files", async () => {
  const root = mkdtempSync(join(tmpdir(), "tillroll-install-logs-contract-"));
  return {
    open: async (retention, now) =>
      new JsonInstallLogs({ dir: root, retention, now, log: () => undefined }),
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
});
